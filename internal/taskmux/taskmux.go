// Package taskmux makes an asynq.ServeMux route task types exactly and
// archive a task of any other type at once.
//
// asynq's ServeMux routes a type to the longest registered prefix of it (so
// "connection:create-v2" would reach the "connection:create" handler) and
// answers a type it cannot route with asynq.ErrHandlerNotFound, an ordinary
// error that asynq retries MaxRetry times (25 by default) although no retry
// can succeed. Exact refuses both, with an error that also wraps
// asynq.SkipRetry, so the task is archived with the reason on its first
// delivery.
package taskmux

import (
	"context"
	"fmt"

	"github.com/basiq-worker/basiq-worker/internal/clip"
	"github.com/hibiken/asynq"
)

// maxType bounds the task type quoted in errors: the type is whatever the
// enqueuer wrote.
const maxType = 64

// Rejected is called once for each task that Exact refuses, with the error
// the task is archived with: for a log line and a metric.
type Rejected func(ctx context.Context, t *asynq.Task, err error)

// Exact returns middleware that passes on only tasks whose type is one of
// types. Any other task fails at once with an error wrapping
// asynq.ErrHandlerNotFound and asynq.SkipRetry, after rejected (if not nil)
// saw it. Use it as the last middleware of the mux, after the ones that put
// a logger on the context.
func Exact(rejected Rejected, types ...string) asynq.MiddlewareFunc {
	served := make(map[string]bool, len(types))
	for _, t := range types {
		served[t] = true
	}
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			if served[t.Type()] {
				return next.ProcessTask(ctx, t)
			}
			err := fmt.Errorf("%w %q (this worker serves no such task type; archived): %w",
				asynq.ErrHandlerNotFound, clip.String(t.Type(), maxType), asynq.SkipRetry)
			if rejected != nil {
				rejected(ctx, t, err)
			}
			return err
		})
	}
}
