package worker

import (
	"net/http"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// ClientOptions are what a worker process needs to build its Basiq client.
type ClientOptions struct {
	APIKey, BaseURL, APIVersion string
	// Redis and Namespace hold the shared token (newTokenStore), sealed
	// with Keyring.
	Redis     redis.UniversalClient
	Namespace string
	Keyring   *tasks.Keyring
	// Concurrency is the worker's; one idle connection to Basiq is kept
	// per slot (at least 2). IdleConnsPerHost overrides it when > 0.
	Concurrency      int
	IdleConnsPerHost int
	// Timeout bounds each Basiq call (default 30s).
	Timeout time.Duration
	// Observer counts token refreshes; WrapTransport wraps the HTTP
	// transport (e.g. (*metrics.Metrics).Transport). Both may be nil.
	Observer      Observer
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// RateLimit limits the calls of every process of the API key together,
	// through Redis (internal/ratelimit; a zero Rate: no limit), and
	// TokenRateLimit its POST /token (zero: ratelimit.DefaultTokenLimit).
	// The limiter is the outermost transport: a call it sends back fails
	// with a *ratelimit.DelayError, a throttled retry (classify.go).
	RateLimit, TokenRateLimit ratelimit.Limit
}

// NewClient returns the Basiq client of a worker process: no retries of its
// own (they go through asynq, never a sleep in a handler), the token shared
// through Redis and sealed, and an idle connection per worker slot (the
// default transport keeps 2 per host, so busy slots would open and close
// connections all the time).
func NewClient(o ClientOptions) (*sdk.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(o.Concurrency, 2)
	if o.IdleConnsPerHost > 0 {
		tr.MaxIdleConnsPerHost = o.IdleConnsPerHost
	}
	var rt http.RoundTripper = tr
	if o.WrapTransport != nil {
		rt = o.WrapTransport(rt)
	}
	rt, err := o.limit(rt)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	store := newTokenStore(o.Redis, o.Namespace, o.APIKey).WithObserver(o.Observer).WithKeyring(o.Keyring)
	opts := []sdk.Option{
		sdk.WithBaseURL(o.BaseURL),
		sdk.WithTokenStore(store),
		sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}),
		sdk.WithHTTPClient(&http.Client{Timeout: o.Timeout, Transport: rt}),
	}
	if o.APIVersion != "" {
		opts = append(opts, sdk.WithAPIVersion(o.APIVersion))
	}
	return sdk.New(o.APIKey, opts...)
}

// limit wraps rt in the shared rate limiter. An Observer that is also a
// ratelimit.Observer (metrics.Metrics) receives its waits and rates.
func (o ClientOptions) limit(rt http.RoundTripper) (http.RoundTripper, error) {
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
