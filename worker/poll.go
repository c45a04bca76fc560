package worker

// Why follow-up tasks: waiting on a Basiq job is done with option (b) of
// DESIGN.md, a numbered job:poll task (poll:<jobID>:<n>) scheduled with
// ProcessAt, rather than (a) a "not ready" error retried by RetryDelayFunc.
//   - The poll payload carries the state (steps observed with their times,
//     looks, the MFA event sent, the deadline, the root task), so a poll is
//     one GET and no Redis read-modify-write; with (a) the payload is fixed
//     and the state would live in a side key.
//   - Real retries stay real: a 5xx or 429 of one poll is retried by asynq
//     with its own back-off and MaxRetry, separate from "not finished yet".
//   - The UI shows each poll as a completed task with its observation as
//     result, instead of one task forever in "retry" with a fake error, and
//     the ErrorHandler sees only real errors.
// Enqueue-then-return is not atomic: a poll that ran twice schedules the
// same next id (a conflict, ignored) and publishes through the dedupe key,
// so running a poll twice is harmless.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// PollJob handles wire.TypePollJob: one look at a Basiq job (or one
// refresh of its connection), then what decide chose: the result, or the
// next poll.
func (h *handlers) PollJob(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[pollPayload](t)
	if err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("malformed poll payload, archived")
		return err
	}
	a := attemptOf(ctx)
	if p.Action == actionRefresh {
		return h.refreshAfterFailure(ctx, t, p, a)
	}
	job, err := h.basiq.Job(ctx, p.JobID)
	h.obs.PollObserved()
	p.Polls++
	if err != nil {
		return h.callFailed(ctx, t, p, a, err)
	}
	now, r := h.now(), h.rules()
	if !job.Done() {
		if !now.Before(p.Deadline) { // a waiter attached since may have brought a later one
			p.Deadline = h.chainDeadline(ctx, p)
		}
		r.expected = h.expect.steps(ctx, p.InstitutionID)
	}
	next, act := decide(p, job, now, r)
	h.report(ctx, p, next)
	return h.perform(ctx, t, next, a, act)
}

// rules are the handlers' settings for decide, with a fresh jitter draw.
func (h *handlers) rules() rules {
	return rules{policy: h.policy, stepRetries: h.stepRetry, stepDelay: h.stepDelay, unavailable: h.unavailable, rnd: h.rnd()}
}

// perform does what decide chose for the poll whose new state is p.
func (h *handlers) perform(ctx context.Context, t *asynq.Task, p pollPayload, a attempt, act action) error {
	switch act.kind {
	case actComplete:
		return h.complete(ctx, t, p, a)
	case actFail:
		return h.finish(ctx, t, p, tasks.OutcomeFailed, act.err, nil)
	case actTimeOut:
		return h.finish(ctx, t, p, tasks.OutcomeTimedOut, act.err, nil)
	case actRefresh:
		return h.scheduleRefresh(ctx, p, a, act)
	case actWaitMFA:
		if err := h.announceMFA(ctx, p, act); err != nil {
			return h.retry(ctx, a, err)
		}
	}
	return h.scheduleNext(ctx, t, p, a, act.due)
}

// complete publishes the completed result with the connection's accounts.
func (h *handlers) complete(ctx context.Context, t *asynq.Task, p pollPayload, a attempt) error {
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

// scheduleNext schedules p, the following look, at due.
func (h *handlers) scheduleNext(ctx context.Context, t *asynq.Task, p pollPayload, a attempt, due time.Time) error {
	if err := h.schedulePoll(ctx, p, a.queue, due); err != nil {
		return h.retry(ctx, a, err)
	}
	writeResult(t, pollView{JobID: p.JobID, Step: p.Step, Looks: p.Looks, Next: p.pollID(), NextAt: due})
	return nil
}

// pollView is the asynq task result of a poll that scheduled another one.
type pollView struct {
	JobID  string    `json:"jobId"`
	Step   string    `json:"step"`
	Looks  int       `json:"looks"`
	Next   string    `json:"next"`
	NextAt time.Time `json:"nextAt"`
}

// report logs the step status changes decide recorded (old to p), with
// how long each finished step took, and sends the live progress event.
func (h *handlers) report(ctx context.Context, old, p pollPayload) {
	if len(p.Steps) == len(old.Steps) {
		return
	}
	for _, o := range p.Steps[len(old.Steps):] {
		ev := zerolog.Ctx(ctx).Info().Str("step", o.Title).Str("status", o.Status).Int("poll", p.Polls)
		if o.Status == sdk.StatusSuccess || o.Status == sdk.StatusFailed {
			d := o.ObservedAt.Sub(old.StepSince)
			if o.Title != old.Step {
				d = 0 // finished between two looks, before it was seen current
			}
			h.obs.StepFinished(o.Title, o.Status, d)
			ev = ev.Dur("duration", d)
		}
		ev.Msg("step status changed")
	}
	h.progress(ctx, p)
}

// progress sends the live-only progress event of a step change. It may be
// lost: the result is what is durable.
func (h *handlers) progress(ctx context.Context, p pollPayload) {
	err := h.pub.Progress(ctx, tasks.Progress{TaskID: p.TaskID, JobID: p.JobID, UserID: p.UserID,
		ConnectionID: p.ConnectionID, Steps: p.Steps, Polls: p.Polls})
	if err != nil {
		zerolog.Ctx(ctx).Debug().Err(err).Msg("progress not sent")
	}
}

// schedulePoll enqueues p (already numbered) to run at due.
func (h *handlers) schedulePoll(ctx context.Context, p pollPayload, queue string, due time.Time) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode poll: %w", err)
	}
	return h.enqueueFollowUp(ctx, asynq.NewTask(wire.TypePollJob, b), p.pollID(), queue, due)
}

// firstPoll attaches p's task to job (follow.go) and, when the task owns
// the job's chain, returns the state of its first poll and when to run it.
func (h *handlers) firstPoll(ctx context.Context, p pollPayload, job *sdk.Job) (pollPayload, time.Time, attachment, error) {
	now := h.now()
	p.V, p.JobID, p.N, p.Action, p.Shared = wire.PayloadVersion, job.ID, 1, actionLook, false
	if p.StartedAt.IsZero() {
		p.StartedAt = now
	}
	if p.ConnectionID == "" {
		p.ConnectionID = job.ConnectionID()
	}
	att, err := h.attach(ctx, p)
	if err != nil || att.role != roleOwner {
		return p, now, att, err
	}
	p.Deadline = later(p.Deadline, att.deadline)
	p.Steps, p.Step, p.StepSince, p.Looks, p.LastLook, p.MFASent = nil, "", now, 0, now, false
	p.Step = sdk.StepVerifyCredentials
	if cur := job.CurrentStep(); cur != nil {
		p.Step = cur.Title
	}
	r := h.rules()
	r.expected = h.expect.steps(ctx, p.InstitutionID)
	return p, r.nextLook(p.chain, now), att, nil
}
