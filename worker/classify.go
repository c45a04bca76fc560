package worker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/hibiken/asynq"
)

// Failure classes, decided here and nowhere else.
//
//   - permanent: a bad payload, a 4xx answer other than 408/429 (unknown
//     institution, unknown user, ...), or a job step that failed for a
//     user-side reason (invalid-credentials, user-action-required, ...).
//     The worker publishes a failed result and returns asynq.SkipRetry.
//   - transient: a 5xx answer, 408, a network error. The task is retried by
//     asynq with the poll policy's back-off; on its last attempt a failed
//     result is published instead.
//   - throttled: a 429 answer. The task is retried no sooner than the
//     answer's Retry-After (never less; the policy's back-off when absent).
//     A throttled attempt does not count against the task's retries.
//   - institution-side step failure (maintenance, system-unavailable,
//     service-unavailable, institution-not-available, connector-error): the
//     Basiq job is over, so the worker refreshes the connection after a
//     back-off (a new Basiq job), up to Config.StepRetries times, then
//     publishes the failed result.
//   - deadline: a job still running at its deadline publishes a timed_out
//     result.
type class int

const (
	classPermanent class = iota
	classTransient
	classThrottled
)

func (c class) String() string {
	switch c {
	case classTransient:
		return "transient"
	case classThrottled:
		return "throttled"
	}
	return "permanent"
}

// classify sorts an error of a Basiq call.
func classify(err error) class {
	if _, ok := sdk.IsThrottled(err); ok {
		return classThrottled
	}
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		if apiErr.StatusCode == http.StatusForbidden && apiErr.Code() == "too-many-requests" {
			return classThrottled // Basiq may answer 403 for clients over their limit
		}
		if apiErr.StatusCode >= 500 || apiErr.StatusCode == http.StatusRequestTimeout || sdk.IsTokenExpired(err) {
			return classTransient
		}
		return classPermanent
	}
	if errors.Is(err, asynq.SkipRetry) {
		return classPermanent
	}
	// Network errors, timeouts and a context ended by shutdown: try again.
	return classTransient
}

// institutionSideCodes are the failed-step codes worth a later retry:
// the institution, not the user, is at fault.
var institutionSideCodes = map[string]bool{
	"maintenance":               true,
	"system-unavailable":        true,
	"service-unavailable":       true,
	"institution-not-available": true,
	"connector-error":           true,
}

// retryableStep reports whether a job that failed with this step code is
// worth refreshing later. User-side codes (invalid-credentials,
// account-not-accessible-requires-user-action, user-action-required),
// institution-disabled, field errors, unknown-error and job-timed-out (an
// unanswered MFA challenge) are final.
func retryableStep(code string) bool { return institutionSideCodes[code] }

// notSent reports whether err proves that the request never reached Basiq:
// an answer with a status (Basiq answered and started no job: only a 2xx
// starts one) or a failure to connect at all. A timeout or a connection cut
// mid-request leaves the outcome unknown.
func notSent(err error) bool {
	var apiErr *sdk.Error
	return errors.As(err, &apiErr) || sdk.IsNotSent(err)
}

// retryError asks asynq to run the task again later. After, when set, is
// the least delay (a Retry-After).
type retryError struct {
	class class
	after time.Duration // least delay: the answer's Retry-After
	delay time.Duration // delay chosen by the handler; 0 lets retryDelayFunc choose
	err   error
}

func (e *retryError) Error() string {
	if e.class == classThrottled {
		return fmt.Sprintf("throttled (retry after %s): %v", e.after, e.err)
	}
	return fmt.Sprintf("%s: %v", e.class, e.err)
}

func (e *retryError) Unwrap() error { return e.err }

// retryLater wraps a transient or throttled error for asynq.
func retryLater(err error) *retryError {
	c := classify(err)
	after, _ := sdk.IsThrottled(err)
	if c == classThrottled && after == 0 {
		var apiErr *sdk.Error
		if errors.As(err, &apiErr) {
			after = apiErr.RetryAfter
		}
	}
	return &retryError{class: c, after: after, err: err}
}

// isFailure is asynq's Config.IsFailure: a throttled attempt is not a
// failure, so it neither counts against MaxRetry nor the failure stats.
func isFailure(err error) bool {
	var re *retryError
	if errors.As(err, &re) && re.class == classThrottled {
		return false
	}
	return !errors.Is(err, context.Canceled)
}

// delayFor is the wait before retry n+1: the policy's back-off by attempt,
// and for a throttled error at least its Retry-After.
func (p PollPolicy) delayFor(n int, re *retryError, rnd float64) time.Duration {
	d := p.retryDelay(n, rnd)
	if re != nil && re.class == classThrottled {
		d = max(d, re.after)
	}
	return d
}

// retryDelayFunc returns asynq's Config.RetryDelayFunc: the delay the
// handler chose (see Handlers.retry), or else delayFor; then rounded up so
// that asynq's whole-second retry time is never earlier (see DueAt).
func retryDelayFunc(p PollPolicy, rnd func() float64) asynq.RetryDelayFunc {
	return func(n int, err error, _ *asynq.Task) time.Duration {
		var re *retryError
		errors.As(err, &re)
		d := p.delayFor(n, re, rnd())
		if re != nil && re.delay > 0 {
			d = re.delay
		}
		now := time.Now()
		return DueAt(now, d).Sub(now)
	}
}
