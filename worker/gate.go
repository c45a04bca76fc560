package worker

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// The throttle gate: when Basiq answers 429 with Retry-After r, every
// worker process of the namespace stays away from Basiq until r has
// passed, not only the task that was refused. The instant is kept in Redis
// as Unix milliseconds and only ever moves later.

func (h *Handlers) gateKey() string { return "{" + h.ns + "}:worker:throttled-until" }

var extendGate = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`)

// closeGate keeps all workers from Basiq for d.
func (h *Handlers) closeGate(ctx context.Context, d time.Duration) error {
	h.gateSeen.set(h.now(), false)
	until := h.now().Add(d).UnixMilli()
	return extendGate.Run(context.WithoutCancel(ctx), h.rdb, []string{h.gateKey()}, until, max(d.Milliseconds(), 1)).Err()
}

// gate returns a throttled *retryError while the gate is closed, nil when
// calls to Basiq may go (or Redis's error, which waitGate takes as open).
func (h *Handlers) gate(ctx context.Context) error {
	if h.gateSeen.openRecently(h.now()) {
		return nil
	}
	err := h.readGate(ctx)
	h.gateSeen.set(h.now(), err == nil)
	return err
}

// gateOpenFor is how long an open gate is taken as still open without
// reading Redis again: one GET per process per interval instead of one per
// task. A 429 seen here or by another worker is noticed within it.
const gateOpenFor = 250 * time.Millisecond

// gateCache remembers when this process last saw the gate open.
type gateCache struct {
	mu     sync.Mutex
	openAt time.Time
}

func (c *gateCache) openRecently(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.openAt.IsZero() && now.Sub(c.openAt) < gateOpenFor
}

func (c *gateCache) set(now time.Time, open bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if open {
		c.openAt = now
	} else {
		c.openAt = time.Time{}
	}
}

// errGateClosed is the error of a task held back by the gate.
var errGateClosed = errors.New("another worker was throttled; waiting for its Retry-After")

// readGate returns a throttled *retryError with the time left while the
// gate is closed, nil when it is open, or Redis's error.
func (h *Handlers) readGate(ctx context.Context) error {
	v, err := h.rdb.Get(ctx, h.gateKey()).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return err
	}
	ms, _ := strconv.ParseInt(v, 10, 64)
	left := time.UnixMilli(ms).Sub(h.now())
	if left <= 0 {
		return nil
	}
	return &retryError{class: classThrottled, after: left, err: errGateClosed}
}

// waitGate returns the retry error of a task that must not call Basiq yet,
// or nil. A Redis error opens the gate: Basiq's own 429 still protects it.
func (h *Handlers) waitGate(ctx context.Context, a attempt) error {
	var re *retryError
	if !errors.As(h.gate(ctx), &re) {
		return nil
	}
	re.delay = h.policy.delayFor(a.retry, re, h.rnd())
	h.obs.RetryWait("throttled", re.delay)
	zerolog.Ctx(ctx).Debug().Dur("delay", re.delay).Msg("throttled by another worker, retry scheduled")
	return re
}
