package sdk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"
)

// RetryPolicy says how the client retries. GETs and DELETEs are retried on
// 5xx, 408 and network errors; any request is retried on 429. A retry
// waits at least the Retry-After of a 429 or 503. A POST that may have
// reached the server is never resent.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 means no retries. The single
	// resend after re-authenticating (401/403 expired token) is not
	// counted: it is part of authentication, not a retry.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the capped exponential backoff,
	// with full jitter, between attempts.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After (of a 429 or 503) the
	// client sleeps through; a longer one returns the error at once.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is 3 attempts, 250ms to 5s backoff, Retry-After up
// to 30s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{}.withDefaults()
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = defaultMaxAttempts
	}
	if p.MinBackoff == 0 {
		p.MinBackoff = defaultMinBackoff
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = max(defaultMaxBackoff, p.MinBackoff)
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = defaultMaxRetryAfter
	}
	return p
}

// backoff is full jitter over min(MaxBackoff, MinBackoff*2^(attempt-1)),
// never below MinBackoff/2.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.MinBackoff
	for i := 1; i < attempt && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

// doRetry sends the request and decodes its answer into out until it
// succeeds or the policy gives up.
func (c *Client) doRetry(ctx context.Context, method string, u *url.URL, body *payload, out any) error {
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, method, u, body, out)
		if err == nil {
			return nil
		}
		wait, ok := c.cfg.retry.retryWait(ctx, method, attempt, err)
		if !ok {
			return err
		}
		if werr := sleep(ctx, wait); werr != nil {
			return fmt.Errorf("%w (gave up waiting to retry: %w)", err, werr)
		}
	}
}

// retryWait decides whether to retry after attempt failed with err, and
// how long to wait first: at least the Retry-After of a 429 or 503, else
// the backoff. A 429 is retried for every method (Basiq did not act on
// it); anything else only when the request may be sent again.
func (p RetryPolicy) retryWait(ctx context.Context, method string, attempt int, err error) (time.Duration, bool) {
	if attempt >= p.MaxAttempts || ctx.Err() != nil {
		return 0, false
	}
	_, throttled := IsThrottled(err)
	if !throttled && !(IsRetryable(err) && (idempotent(method) || IsNotSent(err))) {
		return 0, false
	}
	ra := RetryAfter(err)
	if ra > p.MaxRetryAfter {
		return 0, false
	}
	if ra > 0 {
		return ra, true
	}
	return p.backoff(attempt), true
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
