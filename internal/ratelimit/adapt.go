package ratelimit

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The shared factor of a limit is a hash: f, the factor at time at (Redis
// seconds), and cool, the end of the cooldown before which a 429 does not
// lower it again. Between them it is computed, not stored: f grows by
// Recover per second from at (the end of the last cooldown) up to 1.
const factorLua = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function current(key, rec, t)
  local v = redis.call('HMGET', key, 'f', 'at', 'cool')
  local f, at = tonumber(v[1]), tonumber(v[2])
  if not f then return 1, 0 end
  return math.min(1, f + math.max(0, t - at) * rec), tonumber(v[3]) or 0
end
`

// readFactor returns the factor now (KEYS[1], ARGV: recover).
var readFactor = redis.NewScript(factorLua + `
local f = current(KEYS[1], tonumber(ARGV[1]), now())
return tostring(f)`)

// lowerFactor applies one 429 (KEYS[1], ARGV: decrease, floor, recover,
// cooldown seconds) and returns the factor.
var lowerFactor = redis.NewScript(factorLua + `
local rec, cooldown = tonumber(ARGV[3]), tonumber(ARGV[4])
local t = now()
local f, cool = current(KEYS[1], rec, t)
if t < cool then return tostring(f) end
f = math.max(tonumber(ARGV[2]), f * tonumber(ARGV[1]))
local at = t + cooldown
redis.call('HSET', KEYS[1], 'f', tostring(f), 'at', tostring(at), 'cool', tostring(at))
redis.call('EXPIRE', KEYS[1], math.ceil(cooldown + (1 - f) / rec) + 1)
return tostring(f)`)

// factorFresh is how long a process uses the factor it read before reading
// it again: one read per limit and process every 250ms, not one per call.
const factorFresh = 250 * time.Millisecond

// factor returns b's shared factor (0 < f <= 1), from the cache when fresh.
// A Redis error keeps the last value (1 at first).
func (l *Limiter) factor(ctx context.Context, b *bucket) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.factorSet && now.Sub(b.factorAt) < factorFresh {
		return b.factor
	}
	v, err := readFactor.Run(ctx, l.rdb, []string{b.adaptKey}, l.adapt.Recover).Text()
	f, perr := strconv.ParseFloat(v, 64)
	if err != nil || perr != nil {
		if !b.factorSet {
			return 1
		}
		return b.factor
	}
	b.setFactor(f, now)
	l.obs.LimiterRate(b.name, b.limit.Rate*f)
	return f
}

func (b *bucket) setFactor(f float64, now time.Time) {
	b.factor, b.factorAt, b.factorSet = f, now, true
}

// Throttled lowers the shared rate of the API limit after a 429 whose
// Retry-After was retryAfter (0 when absent): see the package doc. It
// returns the new factor.
func (l *Limiter) Throttled(ctx context.Context, retryAfter time.Duration) (float64, error) {
	return l.lower(ctx, l.api, retryAfter)
}

// TokenThrottled is Throttled for a 429 answer of POST /token.
func (l *Limiter) TokenThrottled(ctx context.Context, retryAfter time.Duration) (float64, error) {
	return l.lower(ctx, l.token, retryAfter)
}

func (l *Limiter) lower(ctx context.Context, b *bucket, retryAfter time.Duration) (float64, error) {
	if b.limit.Rate == 0 {
		return 1, nil
	}
	cooldown := max(retryAfter, time.Second).Seconds()
	a := l.adapt
	v, err := lowerFactor.Run(ctx, l.rdb, []string{b.adaptKey}, a.Decrease, a.Floor, a.Recover, cooldown).Text()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, err
	}
	b.mu.Lock()
	b.setFactor(f, time.Now())
	b.mu.Unlock()
	l.obs.LimiterRate(b.name, b.limit.Rate*f)
	return f, nil
}

// Rate returns the API limit's shared rate now, in requests per second (0:
// no limit). It reads Redis.
func (l *Limiter) Rate(ctx context.Context) (float64, error) {
	if l.api.limit.Rate == 0 {
		return 0, nil
	}
	v, err := readFactor.Run(ctx, l.rdb, []string{l.api.adaptKey}, l.adapt.Recover).Text()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(v, 64)
	return l.api.limit.Rate * f, err
}
