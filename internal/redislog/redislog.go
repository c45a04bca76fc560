// Package redislog routes go-redis's own log lines to zerolog, rate-limited.
//
// go-redis writes some failures itself, as plain text on stderr ("redis:
// 2026/12/01 22:10:00 pool.go:770: redis: connection pool: failed to dial
// after 5 attempts: ..."): during a Redis outage about 50 lines per 3 s per
// worker, outside the JSON log. Install replaces that writer, process-wide,
// with a Logger that writes each line as a warning with component=redis
// and writes at most one line per kind of message (per format string of
// go-redis) per interval, the next one carrying how many were suppressed.
//
// Call Install once, from main, with the process logger: go-redis keeps one
// logger for the whole process (redis.SetLogger).
package redislog

import (
	"context"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/clip"
	"github.com/basiq-worker/basiq-worker/internal/lograte"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// DefaultInterval is the interval of Install: at most one line per kind of
// message every 5 seconds.
const DefaultInterval = 5 * time.Second

// maxLine bounds a line: go-redis can quote replies and addresses.
const maxLine = 1 << 10

// Logger is a go-redis logger (redis.SetLogger) writing to a zerolog.Logger.
// It is safe for concurrent use.
type Logger struct {
	l    zerolog.Logger
	rate *lograte.Limiter // by go-redis's format string: a fixed, small set
}

// New returns a Logger writing to l at most one line per kind of message
// every interval (DefaultInterval when interval <= 0).
func New(l zerolog.Logger, interval time.Duration) *Logger { return newLogger(l, interval, nil) }

func newLogger(l zerolog.Logger, interval time.Duration, now func() time.Time) *Logger {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return &Logger{l: l.With().Str("component", "redis").Logger(), rate: lograte.New(interval, now)}
}

// Install makes New(l, DefaultInterval) go-redis's logger for the whole
// process, and returns it.
func Install(l zerolog.Logger) *Logger {
	rl := New(l, 0)
	redis.SetLogger(rl)
	return rl
}

// Printf implements go-redis's logging interface. The kind of a line is its
// format string, so "failed to dial" lines of every address share one
// budget.
func (rl *Logger) Printf(_ context.Context, format string, v ...any) {
	suppressed, ok := rl.rate.Admit(format)
	if !ok {
		return
	}
	e := rl.l.Warn()
	if suppressed > 0 {
		e = e.Int("suppressed", suppressed).Dur("suppressed_over", rl.rate.Interval())
	}
	e.Msg(clip.String(fmt.Sprintf(format, v...), maxLine))
}
