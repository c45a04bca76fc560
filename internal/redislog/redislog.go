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
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/clip"
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
	l     zerolog.Logger
	every time.Duration
	now   func() time.Time

	mu    sync.Mutex
	kinds map[string]*kind // by format string: a fixed, small set
}

// kind is the state of one kind of message.
type kind struct {
	last       time.Time // when a line of this kind was last written
	suppressed int       // lines dropped since
}

// New returns a Logger writing to l at most one line per kind of message
// every interval (DefaultInterval when interval <= 0).
func New(l zerolog.Logger, interval time.Duration) *Logger {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return &Logger{l: l.With().Str("component", "redis").Logger(), every: interval, now: time.Now, kinds: map[string]*kind{}}
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
	suppressed, ok := rl.admit(format)
	if !ok {
		return
	}
	e := rl.l.Warn()
	if suppressed > 0 {
		e = e.Int("suppressed", suppressed).Dur("suppressed_over", rl.every)
	}
	e.Msg(clip.String(fmt.Sprintf(format, v...), maxLine))
}

// admit reports whether a line of kind format is written now, and how many
// of its kind were suppressed since the last one written.
func (rl *Logger) admit(format string) (suppressed int, ok bool) {
	now := rl.now()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	k := rl.kinds[format]
	if k == nil {
		k = &kind{}
		rl.kinds[format] = k
	} else if now.Sub(k.last) < rl.every {
		k.suppressed++
		return 0, false
	}
	suppressed, k.suppressed, k.last = k.suppressed, 0, now
	return suppressed, true
}
