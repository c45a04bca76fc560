package worker

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/basiq-worker/basiq-worker/internal/clip"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// logMiddleware puts a logger carrying the task id, type, queue, attempt,
// user id and job id on the context, once, for zerolog.Ctx(ctx). Only ids
// are read from the payload: never a credential. When base writes nothing
// (the zero Logger, zerolog.Nop, level Disabled) it passes tasks through:
// zerolog.Ctx then finds no logger and logs nothing, and no task pays for
// a logger (a payload decode and a context) that would discard every line.
func logMiddleware(base zerolog.Logger) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		if silent(base) {
			return next
		}
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			l := taskLogger(ctx, base, t)
			return next.ProcessTask(l.WithContext(ctx), t)
		})
	}
}

// silent reports whether l writes nothing at any level. It is decided when
// the middleware is built, not per task.
func silent(l zerolog.Logger) bool {
	e := l.WithLevel(zerolog.PanicLevel) // the highest level: nil only when nothing is written
	e.Discard()
	return e == nil
}

// taskIDs are the ids worth logging found in any payload of ours.
type taskIDs struct {
	UserID string `json:"userId"`
	JobID  string `json:"jobId"`
	N      int    `json:"n"`
}

// maxLogged bounds every field the middleware reads from the task: they are
// whatever the enqueuer wrote (a malformed task may carry a 5 MB user id),
// and they are repeated on every line of the task. Valid ids are far shorter.
const maxLogged = 80

// taskLogger is base with the task's fields, each cut to maxLogged bytes.
func taskLogger(ctx context.Context, base zerolog.Logger, t *asynq.Task) zerolog.Logger {
	lc := base.With().Str("task_type", clip.String(t.Type(), maxLogged))
	if id, ok := asynq.GetTaskID(ctx); ok {
		lc = lc.Str("task_id", clip.String(id, maxLogged))
	}
	if q, ok := asynq.GetQueueName(ctx); ok {
		lc = lc.Str("queue", clip.String(q, maxLogged))
	}
	if n, ok := asynq.GetRetryCount(ctx); ok {
		lc = lc.Int("attempt", n+1)
	}
	var ids taskIDs
	if json.Unmarshal(t.Payload(), &ids) == nil {
		if ids.UserID != "" {
			lc = lc.Str("user_id", clip.String(ids.UserID, maxLogged))
		}
		if ids.JobID != "" {
			lc = lc.Str("job_id", clip.String(ids.JobID, maxLogged))
		}
	}
	return lc.Logger()
}

// errorHandler logs the errors that handlers did not log themselves:
// retries and final outcomes are logged where they are decided, so only
// unexpected errors (panics, lost leases, shutdown) are reported here.
func errorHandler(base zerolog.Logger) asynq.ErrorHandlerFunc {
	return func(ctx context.Context, t *asynq.Task, err error) {
		var re *retryError
		if errors.As(err, &re) || errors.Is(err, asynq.SkipRetry) {
			return
		}
		l := taskLogger(ctx, base, t)
		l.Error().Err(err).Msg("task failed")
	}
}
