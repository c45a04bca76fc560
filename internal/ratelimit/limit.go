package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Limit is a rate in requests per second with a burst: up to Burst calls
// at once, then one every 1/Rate seconds. A zero Rate is no limit.
type Limit struct {
	Rate  float64
	Burst int
}

// DefaultTokenLimit is the limit of POST /token: 4 per second with a burst
// of 10, so that any 5 minutes hold at most 1,210 token requests, under
// Basiq's 1,500 per 5 minutes.
var DefaultTokenLimit = Limit{Rate: 4, Burst: 10}

// DefaultMaxWait is the longest a call sleeps for its turn by default. It
// is long enough that the calls of a whole fleet waiting on one limit
// sleep in their handlers instead of going round asynq's retry set (80
// worker slots on 19 calls a second wait about 4 s each), and short enough
// for a Basiq call timeout of 30 s, asynq's 30 s lease and a 25 s shutdown.
// With 1 s, a limited run cost 2,750 Redis commands per connection, most
// of them deferred calls coming back too early.
const DefaultMaxWait = 10 * time.Second

// Adapt says how 429s change a limit's shared rate: each 429 (at most one
// per cooldown) multiplies the factor by Decrease, no lower than Floor;
// after the cooldown it grows back by Recover per second.
type Adapt struct {
	Decrease, Floor, Recover float64
}

// DefaultAdapt is Adapt's default: a quarter off per 429, never below a
// tenth of the configured rate, 5% of it back per second (from the floor to
// the full rate in 18 s once 429s stop).
var DefaultAdapt = Adapt{Decrease: 0.75, Floor: 0.1, Recover: 0.05}

// Config is what New needs.
type Config struct {
	// Redis holds the shared state; required.
	Redis redis.UniversalClient
	// Namespace prefixes the keys ({ns}); APIKey is fingerprinted into them.
	Namespace, APIKey string
	// API limits every call; Token limits POST /token (which passes API too).
	API, Token Limit
	// MaxWait is the longest a call sleeps for its turn (default
	// DefaultMaxWait); past it the call fails with a *DelayError.
	MaxWait time.Duration
	// Adapt is DefaultAdapt when zero.
	Adapt Adapt
	// Observer receives the waits and the rates; may be nil.
	Observer Observer
}

// Observer receives what the limiter does, by limit name ("api", "token").
type Observer interface {
	// LimiterWaited is a call that slept d for its turn (d may be 0).
	LimiterWaited(limit string, d time.Duration)
	// LimiterDeferred is a call sent back to come again in d.
	LimiterDeferred(limit string, d time.Duration)
	// LimiterRate is the limit's current shared rate in requests per second.
	LimiterRate(limit string, perSecond float64)
}

type nopObserver struct{}

func (nopObserver) LimiterWaited(string, time.Duration)   {}
func (nopObserver) LimiterDeferred(string, time.Duration) {}
func (nopObserver) LimiterRate(string, float64)           {}

// Limiter is the shared limiter of one API key. It is safe for concurrent
// use; every process builds its own on the same Redis and shares the limits.
type Limiter struct {
	rdb     redis.UniversalClient
	gcra    *redis_rate.Limiter
	maxWait time.Duration
	adapt   Adapt
	obs     Observer
	api     *bucket
	token   *bucket
	sleep   func(ctx context.Context, d time.Duration) error
}

// bucket is one limit: its configured rate, keys and cached factor.
type bucket struct {
	name      string
	limit     Limit
	key       string // GCRA key (redis_rate adds "rate:")
	adaptKey  string
	mu        sync.Mutex
	factor    float64
	factorAt  time.Time
	factorSet bool
}

// New returns the limiter of cfg.APIKey. It checks the limits and connects
// to nothing.
func New(cfg Config) (*Limiter, error) {
	if cfg.Redis == nil {
		return nil, errors.New("ratelimit: Redis is required")
	}
	for name, l := range map[string]Limit{"API": cfg.API, "Token": cfg.Token} {
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("ratelimit: %s limit: %w", name, err)
		}
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.Adapt == (Adapt{}) {
		cfg.Adapt = DefaultAdapt
	}
	if err := cfg.Adapt.check(); err != nil {
		return nil, err
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	base := keys.RateLimit(cfg.Namespace, cfg.APIKey)
	l := &Limiter{rdb: cfg.Redis, gcra: redis_rate.NewLimiter(cfg.Redis), maxWait: cfg.MaxWait,
		adapt: cfg.Adapt, obs: cfg.Observer, sleep: sleepCtx}
	l.api = &bucket{name: "api", limit: cfg.API, key: base + "api", adaptKey: base + "api:adapt"}
	l.token = &bucket{name: "token", limit: cfg.Token, key: base + "token", adaptKey: base + "token:adapt"}
	return l, nil
}

func (l Limit) check() error {
	switch {
	case math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) || l.Rate < 0:
		return fmt.Errorf("rate must be a number >= 0 requests per second, got %v", l.Rate)
	case l.Rate > 0 && l.Burst < 1:
		return fmt.Errorf("burst must be >= 1, got %d", l.Burst)
	}
	return nil
}

func (a Adapt) check() error {
	if !(a.Decrease > 0 && a.Decrease <= 1) || !(a.Floor > 0 && a.Floor <= 1) || !(a.Recover > 0) {
		return fmt.Errorf("ratelimit: Adapt needs 0 < Decrease <= 1, 0 < Floor <= 1, Recover > 0, got %+v", a)
	}
	return nil
}
