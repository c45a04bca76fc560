package worker

import (
	"context"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// RejectUnknownType is the reason of Observer.TaskRejected for a task
// whose type no handler serves.
const RejectUnknownType = "unknown-type"

// rejectUnknown logs and counts a task of a type the worker does not serve,
// which taskmux.Exact archives at once rather than asynq retrying "handler
// not found" MaxRetry times. The task type on the log line is bounded by
// the logging middleware.
func (h *Handlers) rejectUnknown(ctx context.Context, _ *asynq.Task, err error) {
	zerolog.Ctx(ctx).Error().Err(err).Msg("no handler for task type, archived")
	h.obs.TaskRejected(RejectUnknownType)
}
