package worker

import (
	"github.com/basiq-worker/basiq-worker/internal/asynqlog"
	"github.com/rs/zerolog"
)

// asynqLogger routes asynq's own log lines to zerolog. asynq's "Retry
// exhausted" warning is written at debug level: every task the worker
// archives has already logged why (a published failed or timed_out result,
// an invalid payload, or errorHandler's "task failed"), and most of them
// end deliberately with asynq.SkipRetry, not because retries ran out.
func asynqLogger(l zerolog.Logger) asynqlog.Logger {
	return asynqlog.New(l).WithoutRetryExhausted()
}
