package worker

import (
	"context"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// lookAt is one look at the Basiq job of a followed chain p (or one
// refresh of its connection), then what decide chose: the result, or the
// next look (schedulePoll). The follower runs it (followed.go) and turns
// what it returns into the job's next due time: a *retryError is a retry
// after its delay, anything else ends the look. a numbers the look's
// attempts: a.last makes a transient error final.
func (h *handlers) lookAt(ctx context.Context, p pollPayload, a attempt) error {
	t := asynq.NewTask(wire.TypePollJob, nil) // no result writer: the result is published
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
	h.expect.learn(p.InstitutionID, act.finished, h.policy.Spread)
	h.report(ctx, p, next, act.kind)
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
	if err := h.schedulePoll(ctx, p, due); err != nil {
		return h.retry(ctx, a, err)
	}
	return nil
}

// report logs the step status changes decide recorded (old to p), with
// how long each finished step took, and sends the progress event, unless
// the look ends the job (act): its result, published next, carries the
// steps (and a progress event then would cost two commands for nothing).
func (h *handlers) report(ctx context.Context, old, p pollPayload, act pollAction) {
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
	switch act {
	case actComplete, actFail, actTimeOut:
		return
	}
	h.progress(ctx, p)
}

// progress sends the live-only progress event of a step change. It may be
// lost: the result is what is durable. Inside a look of the follower it is
// written back with the look (the progress of a whole write-back is one
// HSET and one PUBLISH: followed_write.lua).
func (h *handlers) progress(ctx context.Context, p pollPayload) {
	pr := tasks.Progress{TaskID: p.TaskID, JobID: p.JobID, UserID: p.UserID,
		ConnectionID: p.ConnectionID, Steps: p.Steps, Polls: p.Polls}
	var err error
	if ops := lookOpsOf(ctx); ops != nil {
		ops.progress, err = results.EncodeProgress(pr)
	} else {
		err = h.pub.Progress(ctx, pr)
	}
	if err != nil {
		zerolog.Ctx(ctx).Debug().Err(err).Msg("progress not sent")
	}
}

// schedulePoll makes p (already numbered) the state of its chain's next
// look, due at due. Inside a look (lookAt) it is written back by the
// follower with the look's other updates; elsewhere (the task that starts
// a job, a job:poll task of an earlier version) the job is followed from
// now on, unless it is already (a re-run).
func (h *handlers) schedulePoll(ctx context.Context, p pollPayload, due time.Time) error {
	if ops := lookOpsOf(ctx); ops != nil {
		ops.scheduled = append(ops.scheduled, scheduled{p: p, due: due})
		return nil
	}
	return h.sched.add(ctx, p, due)
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
	p.Steps, p.Step, p.StepSince, p.StepBy, p.Looks, p.LastLook, p.MFASent = nil, "", now, now, 0, now, false
	p.Step = sdk.StepVerifyCredentials
	if cur := job.CurrentStep(); cur != nil {
		p.Step = cur.Title
	}
	r := h.rules()
	r.expected = h.expect.steps(ctx, p.InstitutionID)
	return p, r.nextLook(p.chain, now), att, nil
}
