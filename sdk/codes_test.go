package sdk

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"
)

func codeErr(status int, code ErrorCode, retryAfter time.Duration) error {
	return fmt.Errorf("call: %w", &Error{StatusCode: status, RetryAfter: retryAfter, Details: []ErrorDetail{{Code: string(code)}}})
}

// Basiq documents 429 and 403 too-many-requests for clients over their
// limits: both are throttled, retryable and carry their Retry-After; a 503
// carries its Retry-After too.
func TestClassify_throttledAndRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		throttled  bool
		retryable  bool
		retryAfter time.Duration
	}{
		{"429", codeErr(429, CodeTooManyRequests, 2*time.Second), true, true, 2 * time.Second},
		{"429 without header", codeErr(429, "", 0), true, true, 0},
		{"403 too-many-requests", codeErr(403, CodeTooManyRequests, 3*time.Second), true, true, 3 * time.Second},
		{"403 forbidden", codeErr(403, CodeForbiddenAccess, 3*time.Second), false, false, 0},
		{"503", codeErr(503, CodeServiceUnavailable, 4*time.Second), false, true, 4 * time.Second},
		{"500", codeErr(500, CodeInternalServerError, 4*time.Second), false, true, 0},
		{"network", errors.New("reset"), false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ra, thr := IsThrottled(tt.err)
			if thr != tt.throttled || (thr && ra != tt.retryAfter) {
				t.Errorf("IsThrottled = %v, %v, want %v, %v", ra, thr, tt.retryAfter, tt.throttled)
			}
			if got := IsRetryable(tt.err); got != tt.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tt.retryable)
			}
			if got := RetryAfter(tt.err); got != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", got, tt.retryAfter)
			}
		})
	}
}

func TestIsNotApplied(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}
	read := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Err: errors.New("reset")}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"400 answer", codeErr(400, CodeParameterNotValid, 0), true},
		{"500 answer", codeErr(500, CodeInternalServerError, 0), true},
		{"429 answer", codeErr(429, CodeTooManyRequests, 0), true},
		{"token fetch failed", notSent{errors.New("token: 500")}, true},
		{"dial", dial, true},
		{"cut mid-request", read, false},
		{"2xx body unreadable", &BodyError{StatusCode: 202, Method: "POST", Reason: "empty body"}, false},
		{"plain", errors.New("x"), false},
	}
	for _, tt := range tests {
		if got := IsNotApplied(tt.err); got != tt.want {
			t.Errorf("%s: IsNotApplied = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestErrorCode_InstitutionSide(t *testing.T) {
	tests := map[ErrorCode]bool{
		CodeMaintenance: true, CodeSystemUnavailable: true, CodeServiceUnavailable: true,
		CodeInstitutionNotAvailable: true, CodeConnectorError: true,
		CodeInvalidCredentials: false, CodeAccountRequiresAction: false, CodeUserActionRequired: false,
		CodeInstitutionDisabled: false, CodeJobTimedOut: false, CodeUnknownError: false,
		CodeMissingRequiredField: false, CodeInvalidFieldValue: false, "": false,
	}
	for code, want := range tests {
		if got := code.InstitutionSide(); got != want {
			t.Errorf("%q.InstitutionSide() = %v, want %v", code, got, want)
		}
	}
}
