package sdk_test

import (
	"errors"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

func TestRetry_fake_errors(t *testing.T) {
	tests := []struct {
		name      string
		fault     basiqtest.Fault
		call      func(*sdk.Client) error
		route     string
		status    int
		wantCalls int
	}{
		{"GET 503 retried", basiqtest.Fault{Path: "GET /institutions/*", ErrorRate: 1, ErrorStatus: 503},
			func(c *sdk.Client) error { _, err := c.Institutions.Get(bg, "AU00000"); return err }, "GET /institutions/{id}", 503, 3},
		{"GET 500 retried", basiqtest.Fault{Path: "GET /institutions", ErrorRate: 1},
			func(c *sdk.Client) error { _, err := c.Institutions.List(bg, nil); return err }, instRoute, 500, 3},
		{"POST 500 not resent", basiqtest.Fault{Path: "POST /users", ErrorRate: 1}, createUser, "POST /users", 500, 1},
		{"POST dropped not resent", basiqtest.Fault{Path: "POST /users", DropRate: 1}, createUser, "POST /users", 0, 1},
		{"GET dropped retried", basiqtest.Fault{Path: "GET /institutions", DropRate: 1},
			func(c *sdk.Client) error { _, err := c.Institutions.List(bg, nil); return err }, instRoute, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := newFake(t, basiqtest.WithFaults(tt.fault))
			err := tt.call(c)
			if err == nil || !sdk.IsRetryable(err) {
				t.Fatalf("got %v, want a retryable error", err)
			}
			// net/http may itself resend an idempotent request on a broken reused connection.
			if got := requests(srv, tt.route, tt.status); got < tt.wantCalls || (tt.wantCalls == 1 && got != 1) {
				t.Fatalf("got %d answers %d, want %d", got, tt.status, tt.wantCalls)
			}
		})
	}
}

func TestRetry_fake_retryAfter(t *testing.T) {
	srv, c := newFake(t, basiqtest.WithFaults(basiqtest.Fault{Path: "GET /institutions", RateLimit: 1, RetryAfter: time.Second}))
	if _, err := c.Institutions.List(ctxT(t), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.Institutions.List(ctxT(t), nil); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < time.Second {
		t.Fatalf("got the retry after %v, want no sooner than the 1s Retry-After", el)
	}
	if got := requests(srv, instRoute, 429); got != 1 {
		t.Fatalf("got %d 429s, want 1", got)
	}
}

func TestRetry_fake_throttledNoRetries(t *testing.T) {
	srv, _ := newFake(t, basiqtest.WithFaults(basiqtest.Fault{Path: "GET /institutions", ThrottleRate: 1, RetryAfter: 2 * time.Second}))
	c := fakeClient(t, srv, sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}))
	_, err := c.Institutions.List(ctxT(t), nil)
	ra, ok := sdk.IsThrottled(err)
	var apiErr *sdk.Error
	if !ok || ra != 2*time.Second || !errors.As(err, &apiErr) || apiErr.Code() != "too-many-requests" {
		t.Fatalf("got %v (retry after %v), want too-many-requests with 2s", err, ra)
	}
	if got := requests(srv, instRoute, 429); got != 1 {
		t.Fatalf("got %d 429s, want 1", got)
	}
}
