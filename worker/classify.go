package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/durable"
	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
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
//   - throttled: a 429 answer, or a 403 too-many-requests (sdk.IsThrottled),
//     or a call the shared rate limiter sent back before sending it
//     (*ratelimit.DelayError). The task is retried no sooner than the
//     answer's Retry-After or the limiter's delay (never less; the policy's
//     back-off when absent). The other tasks go on: a 429 lowers the shared
//     rate (internal/ratelimit) instead of stopping every worker. A
//     throttled attempt does not count against the task's retries. A 503's
//     Retry-After is honoured too.
//   - institution-side step failure (maintenance, system-unavailable,
//     service-unavailable, institution-not-available, connector-error): the
//     Basiq job is over, so the worker refreshes the connection after a
//     back-off (a new Basiq job), up to Config.StepRetries times, then
//     publishes the failed result.
//   - deadline: a job still running at its deadline publishes a timed_out
//     result.
//   - outcome unknown: a create whose failure does not prove that it had no
//     effect (sdk.IsNotApplied: a timeout, a connection cut, a 2xx with an
//     unreadable body) is reconciled: looked up at Basiq, never blindly sent
//     twice (reconcile.go).
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

// classify sorts a failed call. The SDK answers for Basiq's answers
// (sdk.IsThrottled, sdk.IsRetryable, sdk.IsTokenExpired); anything Basiq
// did not answer (a network error, a context ended by shutdown, Redis
// away) is transient, and asynq.SkipRetry permanent.
func classify(err error) class {
	switch {
	case throttled(err):
		return classThrottled
	case errors.Is(err, asynq.SkipRetry):
		return classPermanent
	case answered(err) && !sdk.IsRetryable(err) && !sdk.IsTokenExpired(err):
		return classPermanent
	}
	return classTransient
}

// throttled: Basiq's 429 (or 403 too-many-requests), or the shared rate
// limiter's sending back (a *ratelimit.DelayError: nothing was sent).
func throttled(err error) bool {
	_, ok := sdk.IsThrottled(err)
	_, limited := ratelimit.Delay(err)
	return ok || limited
}

// answered reports whether Basiq answered the call: an error status, or a
// 2xx whose body was not the resource asked for.
func answered(err error) bool {
	return errors.As(err, new(*sdk.Error)) || errors.As(err, new(*sdk.BodyError))
}

// final reports whether a failed call ends the task rather than being
// retried: a permanent error, or a transient one on the task's last
// attempt. A throttled call is never final: it does not count against the
// retries (isFailure), so the last attempt is still to come; the task's
// deadline ends a throttling that never stops.
func final(err error, a attempt) bool {
	switch classify(err) {
	case classPermanent:
		return true
	case classThrottled:
		return false
	}
	return a.last
}

// retryableStep reports whether a job that failed with this step code is
// worth refreshing later (sdk.ErrorCode.InstitutionSide).
func retryableStep(code sdk.ErrorCode) bool { return code.InstitutionSide() }

// retryError asks asynq to run the task again later. After, when set, is
// the least delay (a Retry-After).
type retryError struct {
	class class
	after time.Duration // least delay: the answer's Retry-After
	delay time.Duration // delay chosen by the handler; 0 lets retryDelayFunc choose
	err   error
}

func (e *retryError) Error() string {
	if e.after > 0 {
		return fmt.Sprintf("%s (retry after %s): %v", e.class, e.after, e.err)
	}
	return fmt.Sprintf("%s: %v", e.class, e.err)
}

func (e *retryError) Unwrap() error { return e.err }

// retryLater wraps a transient or throttled error for asynq, with the
// Retry-After the answer asked for (sdk.RetryAfter: a throttled or 503
// answer) or the rate limiter's delay.
func retryLater(err error) *retryError {
	after := sdk.RetryAfter(err)
	if d, ok := ratelimit.Delay(err); ok {
		after = max(after, d)
	}
	return &retryError{class: classify(err), after: after, err: err}
}

// isFailure is asynq's Config.IsFailure: a throttled attempt, or one
// whose writes did not reach the replicas (durable.go), is not a failure,
// so it neither counts against MaxRetry nor the failure stats.
func isFailure(err error) bool {
	var re *retryError
	if errors.As(err, &re) && re.class == classThrottled || errors.As(err, new(*durable.Error)) {
		return false
	}
	return !errors.Is(err, context.Canceled)
}

// delayFor is the wait before retry n+1: the policy's back-off by attempt,
// and at least the answer's Retry-After.
func (p PollPolicy) delayFor(n int, re *retryError, rnd float64) time.Duration {
	d := p.retryDelay(n, rnd)
	if re != nil {
		d = max(d, re.after)
	}
	return d
}

// retryDelayFunc returns asynq's Config.RetryDelayFunc: the delay the
// handler chose (see handlers.retry), or else delayFor; then rounded up so
// that asynq's whole-second retry time is never earlier (see dueAt).
func retryDelayFunc(p PollPolicy, rnd func() float64) asynq.RetryDelayFunc {
	return func(n int, err error, _ *asynq.Task) time.Duration {
		var re *retryError
		errors.As(err, &re)
		d := p.delayFor(n, re, rnd())
		if re != nil && re.delay > 0 {
			d = re.delay
		}
		now := time.Now()
		return dueAt(now, d).Sub(now)
	}
}
