// Package asynqlog routes asynq's own log lines to zerolog. It is the one
// asynq.Logger of the worker, the webhook deliveries and the refresh
// scheduler.
package asynqlog

import (
	"fmt"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// retryExhausted starts the line asynq's processor writes at warn level for
// every task it archives, whether its retries ran out or its handler
// returned asynq.SkipRetry.
const retryExhausted = "Retry exhausted for task"

// Logger is an asynq.Logger writing to a zerolog.Logger with
// component=asynq.
type Logger struct {
	l     zerolog.Logger
	quiet bool // "Retry exhausted" at debug level
}

var _ asynq.Logger = Logger{}

// New returns a Logger writing to l.
func New(l zerolog.Logger) Logger { return Logger{l: l} }

// WithoutRetryExhausted returns a copy that writes asynq's "Retry exhausted
// for task id=..." warning at debug level: for servers whose handlers log
// the end of every task they archive, where that warning is noise (and
// misleading: it also follows a deliberate asynq.SkipRetry).
func (a Logger) WithoutRetryExhausted() Logger {
	a.quiet = true
	return a
}

// Debug implements asynq.Logger.
func (a Logger) Debug(args ...any) { a.write(a.l.Debug(), args) }

// Info implements asynq.Logger.
func (a Logger) Info(args ...any) { a.write(a.l.Info(), args) }

// Warn implements asynq.Logger.
func (a Logger) Warn(args ...any) {
	msg := fmt.Sprint(args...)
	if a.quiet && strings.HasPrefix(msg, retryExhausted) {
		a.l.Debug().Str("component", "asynq").Msg(msg)
		return
	}
	a.l.Warn().Str("component", "asynq").Msg(msg)
}

// Error implements asynq.Logger.
func (a Logger) Error(args ...any) { a.write(a.l.Error(), args) }

// Fatal implements asynq.Logger.
func (a Logger) Fatal(args ...any) { a.write(a.l.Fatal(), args) }

func (a Logger) write(e *zerolog.Event, args []any) {
	e.Str("component", "asynq").Msg(fmt.Sprint(args...))
}
