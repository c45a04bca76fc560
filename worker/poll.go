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

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// schedulePoll enqueues p (already numbered) to run at due.
func (h *Handlers) schedulePoll(ctx context.Context, p PollPayload, queue string, due time.Time) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode poll: %w", err)
	}
	return h.enqueueFollowUp(ctx, asynq.NewTask(tasks.TypePollJob, b), p.pollID(), queue, due)
}

// firstPoll attaches p's task to job (follow.go) and, when the task owns
// the job's chain, returns the state of its first poll and when to run it.
func (h *Handlers) firstPoll(ctx context.Context, p PollPayload, job *sdk.Job) (PollPayload, time.Time, attachment, error) {
	now := h.now()
	p.V, p.JobID, p.N, p.Action, p.Shared = tasks.PayloadVersion, job.ID, 1, actionLook, false
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
	d := h.policy.Delay(StepState{Expected: h.expect.step(ctx, p.InstitutionID, p.Step)}, h.rnd())
	return p, h.due(now, d, p.Deadline), att, nil
}

// due is when to run a follow-up d from now: never past the deadline (so a
// job that does not end times out on time). enqueueFollowUp rounds it up
// to asynq's second.
func (h *Handlers) due(now time.Time, d time.Duration, deadline time.Time) time.Time {
	if left := deadline.Sub(now); d > left {
		d = max(left, 0)
	}
	return now.Add(d)
}

// PollJob handles tasks.TypePollJob: one look at a Basiq job (or one
// refresh of its connection), then either the result or the next poll.
func (h *Handlers) PollJob(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[PollPayload](t)
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
	seen := len(p.Steps)
	p = h.observe(ctx, p, job)
	if len(p.Steps) != seen {
		h.progress(ctx, p)
	}
	switch {
	case job.Done():
		return h.jobDone(ctx, t, p, a, job)
	case !h.now().Before(p.Deadline):
		// A waiter attached since may have brought a later deadline.
		if p.Deadline = h.chainDeadline(ctx, p); !h.now().Before(p.Deadline) {
			return h.finish(ctx, t, p, tasks.OutcomeTimedOut, timedOut(p), nil)
		}
	}
	if err := h.maybeSendMFA(ctx, p, job); err != nil {
		return h.retry(ctx, a, err)
	}
	if mfaPending(job) != nil {
		// A person is answering: look every Initial rather than backing off,
		// so the job goes on soon after the answer.
		p.MFASent, p.Looks = true, 0
	}
	return h.next(ctx, t, p, a)
}

// next schedules the following look from the policy.
func (h *Handlers) next(ctx context.Context, t *asynq.Task, p PollPayload, a attempt) error {
	now := h.now()
	st := StepState{Elapsed: now.Sub(p.StepSince), Expected: h.expect.step(ctx, p.InstitutionID, p.Step), Looks: p.Looks}
	due := h.due(now, h.policy.Delay(st, h.rnd()), p.Deadline)
	p.N++
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

// observe records the job's step status changes in p, logs each and
// tracks the current step.
func (h *Handlers) observe(ctx context.Context, p PollPayload, job *sdk.Job) PollPayload {
	now := h.now()
	if p.ConnectionID == "" {
		p.ConnectionID = job.ConnectionID()
	}
	for _, s := range job.Steps {
		if last := lastStatus(p.Steps, s.Title); last == s.Status || (last == "" && s.Status == sdk.StatusPending) {
			continue
		}
		p.Steps = append(p.Steps, tasks.StepObservation{Title: s.Title, Status: s.Status, ObservedAt: now})
		ev := zerolog.Ctx(ctx).Info().Str("step", s.Title).Str("status", s.Status).Int("poll", p.Polls)
		if s.Status == sdk.StatusSuccess || s.Status == sdk.StatusFailed {
			d := now.Sub(p.StepSince)
			if s.Title != p.Step {
				d = 0 // finished between two looks, before it was seen current
			}
			h.obs.StepFinished(s.Title, s.Status, d)
			ev = ev.Dur("duration", d)
		}
		ev.Msg("step status changed")
	}
	cur := job.CurrentStep()
	switch {
	case cur == nil:
	case cur.Title != p.Step:
		p.Step, p.Looks, p.StepSince = cur.Title, 0, stepStart(job, p.LastLook, now)
	default:
		p.Looks++
	}
	p.LastLook = now
	return p
}

// stepStart estimates when the current step began: Basiq's updated time
// when it falls between the previous look and now, else now.
func stepStart(job *sdk.Job, prevLook, now time.Time) time.Time {
	if u := job.Updated; !u.IsZero() && u.After(prevLook) && u.Before(now) {
		return u
	}
	// The step began after the previous look, which saw the step before it
	// current. Basiq's updated has whole seconds (and Basiq's clock), so it
	// often falls before that look: then the look is the estimate. Aiming
	// from it looks a little early (one more look), never a whole step late.
	return prevLook
}

func lastStatus(obs []tasks.StepObservation, title string) string {
	for i := len(obs) - 1; i >= 0; i-- {
		if obs[i].Title == title {
			return obs[i].Status
		}
	}
	return ""
}

// progress sends the live-only progress event of a step change. It may be
// lost: the result is what is durable.
func (h *Handlers) progress(ctx context.Context, p PollPayload) {
	err := h.pub.Progress(ctx, tasks.Progress{TaskID: p.TaskID, JobID: p.JobID, UserID: p.UserID,
		ConnectionID: p.ConnectionID, Steps: p.Steps, Polls: p.Polls})
	if err != nil {
		zerolog.Ctx(ctx).Debug().Err(err).Msg("progress not sent")
	}
}
