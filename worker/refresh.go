package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// scheduleRefresh schedules p, the refresh of its connection that decide
// chose after an institution-side failure (actRefresh).
func (h *handlers) scheduleRefresh(ctx context.Context, p pollPayload, a attempt, act action) error {
	if err := h.schedulePoll(ctx, p, act.due); err != nil {
		return h.retry(ctx, a, err)
	}
	h.obs.RetryWait("maintenance", act.delay)
	zerolog.Ctx(ctx).Warn().Str("reason", "maintenance").Str("code", string(act.err.Code)).
		Str("failed_step", act.err.Step).Int("refresh_attempt", p.Retries+1).Dur("delay", act.delay).Msg("retry scheduled")
	return nil
}

// refreshAfterFailure refreshes the connection of a job that failed for an
// institution-side reason, then follows the new job. A second run is
// harmless: Basiq answers a refresh with the running job while there is one.
//
// It is not sent when the user's consent ended meanwhile (the chain ends
// with a failed consent result), and it is counted in the connection's
// refresh ledger.
func (h *handlers) refreshAfterFailure(ctx context.Context, t *asynq.Task, p pollPayload, a attempt) error {
	err := h.consentRefusal(ctx, p.UserID)
	if err == nil {
		err = h.countRefresh(ctx, p.ConnectionID, "retry:"+p.JobID, false)
	}
	var job *sdk.Job
	if err == nil {
		job, err = h.basiq.RefreshConnection(ctx, p.UserID, p.ConnectionID)
	}
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
		err, view.FirstPoll = h.schedulePoll(ctx, np, due), due
	default: // Basiq answered with a job another task follows: this chain ends here
		err = h.joined(ctx, t, np, att)
		view.Waiting = []string{att.jobID}
	}
	if err != nil {
		return h.retry(ctx, a, err)
	}
	return writeResult(t, view)
}

// refusal is the error of a refresh the worker chose not to send: the
// user's consent ended (outcome failed), or a scheduled refresh held back
// by the connection's budget or interval (outcome skipped). Nothing
// reached Basiq. It is permanent (asynq.SkipRetry): callFailed publishes
// its outcome and info, naming connectionID when set.
type refusal struct {
	outcome      tasks.Outcome
	info         *tasks.ErrorInfo
	connectionID string
}

func (e *refusal) Error() string {
	return fmt.Sprintf("not sent to Basiq (%s): %s: %s", e.outcome, e.info.Code, e.info.Detail)
}

func (e *refusal) Unwrap() error { return asynq.SkipRetry }

// refreshOne is the call of a refresh-connection task: nothing is sent
// when the user's consent ended, or, for a scheduled refresh, when the
// connection's budget or interval holds it back; a refresh sent is
// counted in the connection's ledger (budget.go).
func (h *handlers) refreshOne(ctx context.Context, userID, connID, taskID string, scheduled bool) (*sdk.Job, error) {
	if err := h.consentRefusal(ctx, userID); err != nil {
		return nil, err
	}
	if err := h.countRefresh(ctx, connID, taskID, scheduled); err != nil {
		return nil, err
	}
	return h.basiq.RefreshConnection(ctx, userID, connID)
}

// refreshAll is the call of a refresh-all task. An application's is one
// POST /users/{id}/connections/refresh. A scheduled one first lists the
// user's connections and checks each against its budget and interval:
// when none is held back it is the same single call; otherwise the
// connections let through are refreshed one by one, and each held back
// gets a skipped result of its own (the task has one result per
// connection, as a refresh-all does). When all are held back the last
// one's refusal is returned, to be the task's own result.
func (h *handlers) refreshAll(ctx context.Context, base pollPayload, scheduled bool) ([]*sdk.Job, error) {
	if err := h.consentRefusal(ctx, base.UserID); err != nil {
		return nil, err
	}
	if !scheduled {
		return h.basiq.RefreshAll(ctx, base.UserID)
	}
	conns, err := h.basiq.Connections(ctx, base.UserID)
	if err != nil {
		return nil, err
	}
	var through []string
	var held []*refusal
	for _, c := range conns {
		err := h.countRefresh(ctx, c.ID, base.TaskID, true)
		var rf *refusal
		switch {
		case errors.As(err, &rf):
			held = append(held, rf)
		case err != nil:
			return nil, err
		default:
			through = append(through, c.ID)
		}
	}
	if len(held) == 0 {
		return h.basiq.RefreshAll(ctx, base.UserID)
	}
	for i, rf := range held {
		if len(through) == 0 && i == len(held)-1 {
			return nil, rf
		}
		w := base.work
		w.ConnectionID = rf.connectionID
		if err := h.emit(ctx, nil, ":"+rf.connectionID, result(w, rf.outcome, rf.info)); err != nil {
			return nil, err
		}
	}
	jobs := make([]*sdk.Job, 0, len(through))
	for _, id := range through {
		j, err := h.basiq.RefreshConnection(ctx, base.UserID, id)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}
