package worker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/hibiken/asynq"
)

func apiErr(status int, code string) *sdk.Error {
	return &sdk.Error{StatusCode: status, Details: []sdk.ErrorDetail{{Code: code}}}
}

func TestClassify(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}
	read := &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "read", Err: errors.New("reset")}}
	limited := &url.Error{Op: "Post", URL: "http://x", Err: &ratelimit.DelayError{Limit: "api", Delay: 3 * time.Second}}
	tests := []struct {
		name    string
		err     error
		want    class
		notSent bool // sdk.IsNotApplied: the call had no effect at Basiq
	}{
		{"400", apiErr(400, "parameter-not-valid"), classPermanent, true},
		{"404", apiErr(404, "resource-not-found"), classPermanent, true},
		{"403 forbidden", apiErr(403, "forbidden-access"), classPermanent, true},
		{"403 token expired", &sdk.Error{StatusCode: 403, Details: []sdk.ErrorDetail{{Code: "access-denied", Detail: "Token has expired"}}}, classTransient, true},
		{"408", apiErr(408, ""), classTransient, true},
		{"429", apiErr(429, "too-many-requests"), classThrottled, true},
		{"403 too-many-requests", apiErr(403, "too-many-requests"), classThrottled, true},
		{"2xx body unreadable", &sdk.BodyError{StatusCode: 202, Reason: "empty body"}, classTransient, false},
		{"2xx body over the limit", &sdk.BodyError{StatusCode: 200, Reason: "too large", Limit: 1 << 25}, classPermanent, false},
		{"500", apiErr(500, "internal-server-error"), classTransient, true},
		{"503", apiErr(503, "service-unavailable"), classTransient, true},
		{"wrapped 502", fmt.Errorf("call: %w", apiErr(502, "")), classTransient, true},
		{"dial error", dial, classTransient, true},
		{"read error", read, classTransient, false},
		{"deadline", context.DeadlineExceeded, classTransient, false},
		{"skip retry", fmt.Errorf("x: %w", asynq.SkipRetry), classPermanent, false},
		{"sent back by the rate limiter", limited, classThrottled, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.want {
				t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if got := sdk.IsNotApplied(tt.err); got != tt.notSent {
				t.Errorf("sdk.IsNotApplied(%v) = %v, want %v", tt.err, got, tt.notSent)
			}
		})
	}
}

func TestRetryDelayFunc(t *testing.T) {
	p := PollPolicy{Initial: time.Second, Factor: 2, Max: 8 * time.Second}
	f := retryDelayFunc(p, func() float64 { return 0.5 })
	throttled := &sdk.Error{StatusCode: 429, RetryAfter: 5 * time.Second}
	tests := []struct {
		name     string
		n        int
		err      error
		min, max time.Duration
	}{
		{"transient first", 0, retryLater(apiErr(500, "")), time.Second, 2 * time.Second},
		{"transient third", 2, retryLater(apiErr(500, "")), 4 * time.Second, 5 * time.Second},
		{"throttled honours retry-after", 0, retryLater(throttled), 5 * time.Second, 6 * time.Second},
		{"503 honours retry-after", 0, retryLater(&sdk.Error{StatusCode: 503, RetryAfter: 4 * time.Second}), 4 * time.Second, 5 * time.Second},
		{"handler's delay", 0, &retryError{class: classTransient, delay: 3 * time.Second}, 3 * time.Second, 4 * time.Second},
		{"plain error", 1, errors.New("x"), 2 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f(tt.n, tt.err, nil)
			if got < tt.min || got > tt.max {
				t.Errorf("delay = %v, want in [%v, %v]", got, tt.min, tt.max)
			}
		})
	}
}

func TestIsFailure(t *testing.T) {
	if isFailure(retryLater(apiErr(429, ""))) {
		t.Error("throttled counted as a failure")
	}
	if !isFailure(retryLater(apiErr(503, ""))) {
		t.Error("503 not counted as a failure")
	}
}

// A call the rate limiter sent back is retried no sooner than its delay.
func TestRetryLater_rateLimiterDelay(t *testing.T) {
	err := fmt.Errorf("get job: %w", &url.Error{Op: "Get", URL: "http://x", Err: &ratelimit.DelayError{Limit: "api", Delay: 3 * time.Second}})
	re := retryLater(err)
	if re.class != classThrottled || re.after != 3*time.Second {
		t.Errorf("retryLater: class %v, after %s; want throttled, 3s", re.class, re.after)
	}
	if isFailure(re) {
		t.Error("isFailure: true, want a sent-back call not to count against retries")
	}
}

// TestFinal: a throttled call is retried even on the task's last attempt
// (it does not count against the retries); a transient one ends the task
// there; a permanent one ends it on any attempt.
func TestFinal(t *testing.T) {
	limited := &url.Error{Op: "Get", URL: "http://x", Err: &ratelimit.DelayError{Limit: "api", Delay: time.Second}}
	tests := []struct {
		name string
		err  error
		last bool
		want bool
	}{
		{"429 on the last attempt", apiErr(429, "too-many-requests"), true, false},
		{"403 too-many-requests on the last attempt", apiErr(403, "too-many-requests"), true, false},
		{"sent back by the rate limiter on the last attempt", limited, true, false},
		{"429 before the last attempt", apiErr(429, "too-many-requests"), false, false},
		{"500 on the last attempt", apiErr(500, "internal-server-error"), true, true},
		{"500 before the last attempt", apiErr(500, "internal-server-error"), false, false},
		{"404 before the last attempt", apiErr(404, "resource-not-found"), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := final(tt.err, attempt{last: tt.last}); got != tt.want {
				t.Errorf("final(%v, last=%v) = %v, want %v", tt.err, tt.last, got, tt.want)
			}
		})
	}
}
