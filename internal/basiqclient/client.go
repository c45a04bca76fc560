// Package basiqclient builds the Basiq client of a worker process, for
// worker.New and for basiq-bench's blocking baseline: no retries of its own
// (they go through asynq, never a sleep in a handler), the access token
// shared through Redis and sealed (TokenStore), the shared rate limiter
// (internal/ratelimit) as the outermost transport inside each request's
// deadline (Options.Timeout), and an idle connection per worker slot.
package basiqclient

import (
	"net/http"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// DefaultTimeout bounds each Basiq call when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Options are what a worker process needs to build its Basiq client.
type Options struct {
	APIKey, BaseURL, APIVersion string
	// Redis and Namespace hold the shared token (NewTokenStore), sealed
	// with Keyring.
	Redis     redis.UniversalClient
	Namespace string
	Keyring   *tasks.Keyring
	// Concurrency is the worker's; one idle connection to Basiq is kept
	// per slot (at least 2). IdleConnsPerHost overrides it when > 0.
	Concurrency      int
	IdleConnsPerHost int
	// Timeout bounds each Basiq call (default DefaultTimeout).
	Timeout time.Duration
	// Observer counts token refreshes; one that is also a
	// ratelimit.Observer receives the limiter's waits and rates. May be nil.
	Observer Observer
	// WrapTransport wraps the HTTP transport (e.g. (*metrics.Metrics).
	// Transport); may be nil.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// RateLimit limits the calls of every process of the API key together,
	// through Redis (a zero Rate: no limit), and TokenRateLimit its
	// POST /token (zero: ratelimit.DefaultTokenLimit). A call the limiter
	// sends back fails with a *ratelimit.DelayError, a throttled retry.
	RateLimit, TokenRateLimit ratelimit.Limit
}

// New returns the Basiq client of a worker process. The default transport
// keeps 2 idle connections per host, so busy slots would open and close
// connections all the time: it keeps one per slot instead.
func New(o Options) (*sdk.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(o.Concurrency, 2)
	if o.IdleConnsPerHost > 0 {
		tr.MaxIdleConnsPerHost = o.IdleConnsPerHost
	}
	// The per-host cap bounds the pool; the default transport's 100 idle
	// connections in all would make slots beyond 100 reconnect per call.
	tr.MaxIdleConns = 0
	var rt http.RoundTripper = tr
	if o.WrapTransport != nil {
		rt = o.WrapTransport(rt)
	}
	rt, err := o.limit(rt)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	rt = deadline{next: rt, timeout: o.Timeout}
	store := NewTokenStore(o.Redis, o.Namespace, o.APIKey).WithObserver(o.Observer).WithKeyring(o.Keyring)
	opts := []sdk.Option{
		sdk.WithTokenStore(store),
		sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}),
		sdk.WithHTTPClient(&http.Client{Transport: rt}), // Timeout: deadline.go
	}
	if o.BaseURL != "" {
		opts = append(opts, sdk.WithBaseURL(o.BaseURL))
	}
	if o.APIVersion != "" {
		opts = append(opts, sdk.WithAPIVersion(o.APIVersion))
	}
	return sdk.New(o.APIKey, opts...)
}

// limit wraps rt in the shared rate limiter.
func (o Options) limit(rt http.RoundTripper) (http.RoundTripper, error) {
	if o.TokenRateLimit == (ratelimit.Limit{}) {
		o.TokenRateLimit = ratelimit.DefaultTokenLimit
	}
	lo, _ := o.Observer.(ratelimit.Observer)
	lim, err := ratelimit.New(ratelimit.Config{Redis: o.Redis, Namespace: o.Namespace, APIKey: o.APIKey,
		API: o.RateLimit, Token: o.TokenRateLimit, Observer: lo})
	if err != nil {
		return nil, err
	}
	return lim.Transport(rt), nil
}
