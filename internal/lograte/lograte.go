// Package lograte limits repeated log lines: at most one line per kind of
// message per interval, the next one written carrying how many were
// dropped. It serves the adapters of the libraries' own loggers (go-redis,
// asynq), which repeat the same failure many times a second while Redis is
// away.
package lograte

import (
	"sync"
	"time"
)

// Limiter admits at most one line per kind every interval. It is safe for
// concurrent use. Kinds are meant to be few (a library's format strings or
// message prefixes); should more than maxKinds be seen, the Limiter forgets
// them all and starts over, so its memory stays bounded.
type Limiter struct {
	every time.Duration
	now   func() time.Time

	mu    sync.Mutex
	kinds map[string]*kind
}

// maxKinds bounds the kinds a Limiter remembers.
const maxKinds = 1024

type kind struct {
	last       time.Time // when a line of this kind was last admitted
	suppressed int       // lines refused since
}

// New returns a Limiter admitting one line per kind every interval, on the
// clock now (time.Now when nil).
func New(interval time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{every: interval, now: now, kinds: map[string]*kind{}}
}

// Interval returns the limiter's interval.
func (l *Limiter) Interval() time.Duration { return l.every }

// Admit reports whether a line of kind k is written now and, if so, how many
// lines of its kind were refused since the last one admitted.
func (l *Limiter) Admit(k string) (suppressed int, ok bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.kinds[k]
	if s == nil {
		if len(l.kinds) >= maxKinds {
			clear(l.kinds)
		}
		s = &kind{}
		l.kinds[k] = s
	} else if now.Sub(s.last) < l.every {
		s.suppressed++
		return 0, false
	}
	suppressed, s.suppressed, s.last = s.suppressed, 0, now
	return suppressed, true
}
