package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// A waiter, a task waiting on another task's chain, is recorded as its
// work: what its result needs.
type waiter = work

// jobOutcome is the one outcome of a Basiq job, shared by every task waiting on it.
type jobOutcome struct {
	Outcome      tasks.Outcome           `json:"outcome"`
	Error        *tasks.ErrorInfo        `json:"error,omitempty"`
	JobID        string                  `json:"jobId"`
	ConnectionID string                  `json:"connectionId,omitempty"`
	Steps        []tasks.StepObservation `json:"steps"`
	Accounts     []string                `json:"accounts"`
	Polls        int                     `json:"polls"`
}

// resultFor is the result of the task w describes.
func (o jobOutcome) resultFor(w work) tasks.Result {
	if w.ConnectionID == "" {
		w.ConnectionID = o.ConnectionID
	}
	r := result(w, o.Outcome, o.Error)
	r.JobID, r.Steps, r.Accounts, r.Polls = o.JobID, o.Steps, o.Accounts, o.Polls
	return r
}

// waiters returns the tasks waiting on p's job and on the jobs its chain
// followed before.
func (h *handlers) waiters(ctx context.Context, p pollPayload) ([]waiter, error) {
	var ws []waiter
	for _, id := range append([]string{p.JobID}, p.Prev...) {
		kv, err := h.rdb.HGetAll(ctx, h.waitersKey(id)).Result()
		if err != nil {
			return nil, fmt.Errorf("read waiters of job %s: %w", id, err)
		}
		for _, v := range kv {
			var w waiter
			if err := json.Unmarshal([]byte(v), &w); err != nil {
				return nil, fmt.Errorf("waiter of job %s: %w", id, err)
			}
			ws = append(ws, w)
		}
	}
	return ws, nil
}

// joined handles a task that does not own the chain of the job it attached
// to: a waiter is answered by that chain later; a job already settled
// answers it (and the waiters of its earlier jobs) now.
func (h *handlers) joined(ctx context.Context, t *asynq.Task, p pollPayload, att attachment) error {
	if att.role == roleWaiter {
		zerolog.Ctx(ctx).Info().Str("followed_job_id", att.jobID).
			Msg("job followed by another task; waiting on its outcome")
		return nil
	}
	if err := h.answerWaiters(ctx, *att.done, att.waiters); err != nil {
		return err
	}
	suffix := ":" + p.TaskID
	if att.owner == p.TaskID {
		suffix = "" // the owner's result has the job's own event id
	}
	return h.emit(ctx, t, suffix, att.done.resultFor(p.work))
}

// answerWaiters publishes the result of each waiter from o. Its task result
// is not the current task's, so it is not written as such.
func (h *handlers) answerWaiters(ctx context.Context, o jobOutcome, ws []waiter) error {
	for _, w := range ws {
		r := o.resultFor(w)
		if err := h.emit(ctx, nil, ":"+w.TaskID, r); err != nil {
			return err
		}
	}
	return nil
}
