package worker

import (
	"context"
	"errors"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// Reasons of Observer.TaskRejected.
const (
	// RejectUnknownType: no handler serves the task's type.
	RejectUnknownType = "unknown-type"
	// RejectInvalidPayload: the task's payload does not decode, or an id in
	// it is out of bounds (a *wire.PayloadError).
	RejectInvalidPayload = "invalid-payload"
)

// NoResult reports whether tasks of type taskType never publish a result
// of their own, so that waiting on one is pointless: MFA answers
// (tasks.TypeAnswerMFA: the result is the job's, on the task that started
// it) and the worker's own tasks (job polls, webhook deliveries, Basiq
// events). It is false for the other task types of package tasks, and for
// types it does not know.
func NoResult(taskType string) bool {
	switch taskType {
	case tasks.TypeAnswerMFA, wire.TypePollJob, wire.TypeDeliverWebhook, basiqhooks.TypeEvent:
		return true
	}
	return false
}

// rejectUnknown logs and counts a task of a type the worker does not serve,
// which taskmux.Exact archives at once rather than asynq retrying "handler
// not found" MaxRetry times. The task type on the log line is bounded by
// the logging middleware.
func (h *handlers) rejectUnknown(ctx context.Context, _ *asynq.Task, err error) {
	zerolog.Ctx(ctx).Error().Err(err).Msg("no handler for task type, archived")
	h.obs.TaskRejected(RejectUnknownType)
}

// countRejected counts the tasks whose payload Decode refused: the handlers
// archive them (and publish a failed result where there is a task to answer).
func (h *handlers) countRejected(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		err := next.ProcessTask(ctx, t)
		if errors.As(err, new(*wire.PayloadError)) {
			h.obs.TaskRejected(RejectInvalidPayload)
		}
		return err
	})
}
