package worker

import (
	"context"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// retry logs and returns the error that makes asynq run the task again:
// after the policy's back-off, and for a 429 no sooner than Retry-After.
func (h *Handlers) retry(ctx context.Context, a attempt, err error) error {
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
// look at it, a refresh): past the deadline a timed_out result; a
// permanent error, or a transient one on the last attempt, a failed
// result; otherwise asynq retries.
func (h *Handlers) callFailed(ctx context.Context, t *asynq.Task, p PollPayload, a attempt, err error) error {
	switch {
	case !p.Deadline.IsZero() && !h.now().Before(p.Deadline):
		return h.finish(ctx, t, p, tasks.OutcomeTimedOut, timedOut(p), nil)
	case final(err, a):
		return h.finish(ctx, t, p, tasks.OutcomeFailed, callError(err, ""), nil)
	}
	return h.retry(ctx, a, err)
}

// jobDone handles a job that ended: a completed result with the
// connection's accounts, a refresh after an institution-side failure, or a
// failed result.
func (h *Handlers) jobDone(ctx context.Context, t *asynq.Task, p PollPayload, a attempt, job *sdk.Job) error {
	if step, failed := job.FailedStep(); failed {
		e := stepError(step)
		if retryableStep(sdk.ErrorCode(e.Code)) && p.Retries < h.stepRetry && p.ConnectionID != "" {
			if ok, err := h.scheduleRefresh(ctx, p, a, e); ok || err != nil {
				return err
			}
		}
		return h.finish(ctx, t, p, tasks.OutcomeFailed, e, nil)
	}
	var accounts []string
	var err error
	if p.ConnectionID != "" {
		accounts, err = h.basiq.AccountIDs(ctx, p.UserID, p.ConnectionID)
	}
	if err != nil {
		if !final(err, a) {
			return h.retry(ctx, a, err)
		}
		zerolog.Ctx(ctx).Warn().Err(err).Msg("accounts not listed")
	}
	return h.finish(ctx, t, p, tasks.OutcomeCompleted, nil, accounts)
}

// scheduleRefresh schedules a refresh of the connection after an
// institution-side failure: StepRetryDelay, doubling with each retry. It
// reports false when the refresh would fall past the deadline.
func (h *Handlers) scheduleRefresh(ctx context.Context, p PollPayload, a attempt, e *tasks.ErrorInfo) (bool, error) {
	now := h.now()
	delay := h.stepDelay << p.Retries
	due := DueAt(now, delay)
	if due.After(p.Deadline) {
		return false, nil
	}
	p.Action, p.N = actionRefresh, p.N+1
	if err := h.schedulePoll(ctx, p, a.queue, due); err != nil {
		return false, h.retry(ctx, a, err)
	}
	h.obs.RetryWait("maintenance", delay)
	zerolog.Ctx(ctx).Warn().Str("reason", "maintenance").Str("code", string(e.Code)).
		Str("failed_step", e.Step).Int("refresh_attempt", p.Retries+1).Dur("delay", delay).Msg("retry scheduled")
	return true, nil
}

// refreshAfterFailure refreshes the connection of a job that failed for an
// institution-side reason, then follows the new job. A second run is
// harmless: Basiq answers a refresh with the running job while there is one.
func (h *Handlers) refreshAfterFailure(ctx context.Context, t *asynq.Task, p PollPayload, a attempt) error {
	job, err := h.basiq.RefreshConnection(ctx, p.UserID, p.ConnectionID)
	if err != nil {
		return h.callFailed(ctx, t, p, a, err)
	}
	p.Retries++
	zerolog.Ctx(ctx).Info().Str("new_job_id", job.ID).Int("refresh_attempt", p.Retries).
		Msg("connection refreshed")
	p.Prev = append(p.Prev, p.JobID)
	np, due, att, err := h.firstPoll(ctx, p, job)
	view := startView{Jobs: []string{job.ID}}
	switch {
	case err != nil:
	case att.role == roleOwner:
		err, view.FirstPoll = h.schedulePoll(ctx, np, a.queue, due), due
	default: // Basiq answered with a job another task follows: this chain ends here
		err = h.joined(ctx, t, np, att)
		view.Waiting = []string{att.jobID}
	}
	if err != nil {
		return h.retry(ctx, a, err)
	}
	return writeResult(t, view)
}

// startView is the asynq task result of a task that started Basiq jobs.
type startView struct {
	Jobs      []string  `json:"jobs"`
	FirstPoll time.Time `json:"firstPoll,omitzero"`
	// Waiting are the jobs followed by another task's chain, which answers this one.
	Waiting []string `json:"waiting,omitempty"`
}
