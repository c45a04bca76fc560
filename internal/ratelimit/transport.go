package ratelimit

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Transport returns next wrapped by the limiter: each request waits for its
// turn (POST /token for both limits; see Wait), and each 429 answer lowers
// the shared rate of its limit (Throttled). The 429 is returned as it came:
// its caller waits its Retry-After.
func (l *Limiter) Transport(next http.RoundTripper) http.RoundTripper {
	return &transport{l: l, next: next}
}

type transport struct {
	l    *Limiter
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	isToken := req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/token")
	wait, lower := t.l.Wait, t.l.Throttled
	if isToken {
		wait, lower = t.l.WaitToken, t.l.TokenThrottled
	}
	if err := wait(ctx); err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		_, _ = lower(ctx, retryAfter(resp.Header.Get("Retry-After"))) // Redis away: the 429 still goes back
	}
	return resp, err
}

// closeBody closes the body of a request that is not sent, as a
// RoundTripper must.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// retryAfter reads a Retry-After in seconds (Basiq's form); 0 otherwise.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
