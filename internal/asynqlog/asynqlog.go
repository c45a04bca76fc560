// Package asynqlog routes asynq's own log lines to zerolog. It is the one
// asynq.Logger of the worker, the webhook deliveries and the refresh
// scheduler.
//
// While Redis is away asynq repeats the same failure several times a second
// ("Failed to forward scheduled tasks: ...", every DelayedTaskCheckInterval):
// warnings and errors are written at most once per kind (the message up to
// its first colon) every RepeatInterval, the next one carrying how many were
// suppressed.
package asynqlog

import (
	"fmt"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/clip"
	"github.com/basiq-worker/basiq-worker/internal/lograte"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// retryExhausted starts the line asynq's processor writes at warn level for
// every task it archives, whether its retries ran out or its handler
// returned asynq.SkipRetry.
const retryExhausted = "Retry exhausted for task"

// RepeatInterval is how often a warning or error of one kind is written.
const RepeatInterval = 5 * time.Second

// Logger is an asynq.Logger writing to a zerolog.Logger with
// component=asynq.
type Logger struct {
	l     zerolog.Logger
	quiet bool // "Retry exhausted" at debug level
	rate  *lograte.Limiter
}

var _ asynq.Logger = Logger{}

// New returns a Logger writing to l.
func New(l zerolog.Logger) Logger { return Logger{l: l, rate: lograte.New(RepeatInterval, nil)} }

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
	a.limited(a.l.Warn(), msg)
}

// Error implements asynq.Logger.
func (a Logger) Error(args ...any) { a.limited(a.l.Error(), fmt.Sprint(args...)) }

// Fatal implements asynq.Logger.
func (a Logger) Fatal(args ...any) { a.write(a.l.Fatal(), args) }

func (a Logger) write(e *zerolog.Event, args []any) {
	e.Str("component", "asynq").Msg(clip.String(fmt.Sprint(args...), maxLine))
}

// maxLine bounds a line: asynq quotes task types and Redis errors.
const maxLine = 1 << 10

// limited writes msg unless a line of its kind was written less than
// RepeatInterval ago. A Logger built without New is not limited.
func (a Logger) limited(e *zerolog.Event, msg string) {
	if e == nil { // level disabled
		return
	}
	if a.rate != nil {
		kind, _, _ := strings.Cut(msg, ":")
		n, ok := a.rate.Admit(kind)
		if !ok {
			e.Discard()
			return
		}
		if n > 0 {
			e = e.Int("suppressed", n).Dur("suppressed_over", RepeatInterval)
		}
	}
	e.Str("component", "asynq").Msg(clip.String(msg, maxLine))
}
