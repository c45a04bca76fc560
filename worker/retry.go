package worker

import (
	"context"
	"errors"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// retry logs and returns the error that makes asynq run the task again:
// after the policy's back-off, and for a 429 no sooner than Retry-After.
func (h *handlers) retry(ctx context.Context, a attempt, err error) error {
	re := retryLater(err)
	re.delay = h.policy.delayFor(a.retry, re, h.rnd())
	reason := "transient"
	if re.class == classThrottled {
		reason = "throttled"
	}
	h.obs.RetryWait(reason, re.delay)
	ev := zerolog.Ctx(ctx).Warn()
	if _, limited := ratelimit.Delay(err); limited {
		ev = zerolog.Ctx(ctx).Debug() // the limiter doing its job, not a problem
	}
	ev.Err(err).Str("reason", reason).Dur("delay", re.delay).Dur("retry_after", re.after).Msg("retry scheduled")
	return re
}

// callFailed handles a failed Basiq call (the call that starts a job, a
// look at it, a refresh): a call not sent (a *refusal) its result; past
// the deadline a timed_out result; a
// permanent error, or a transient one on the last attempt, a failed
// result; otherwise asynq retries.
func (h *handlers) callFailed(ctx context.Context, t *asynq.Task, p pollPayload, a attempt, err error) error {
	var rf *refusal
	switch {
	case errors.As(err, &rf): // not sent: the refusal is the result
		if rf.connectionID != "" {
			p.ConnectionID = rf.connectionID
		}
		return h.finish(ctx, t, p, rf.outcome, rf.info, nil)
	case !p.Deadline.IsZero() && !h.now().Before(p.Deadline):
		return h.finish(ctx, t, p, tasks.OutcomeTimedOut, timedOut(p), nil)
	case final(err, a):
		return h.finish(ctx, t, p, tasks.OutcomeFailed, callError(err, ""), nil)
	}
	return h.retry(ctx, a, err)
}
