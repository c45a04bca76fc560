package basiqtest

import (
	"strconv"
	"sync"
	"time"
)

// windowLimit allows at most limit events per key in any sliding window (limit <= 0: no limit).
type windowLimit struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	hits   map[string][]time.Time // per key, oldest first, only those inside the window
}

func newWindowLimit(limit int, window time.Duration) *windowLimit {
	return &windowLimit{limit: limit, window: window, hits: map[string][]time.Time{}}
}

// allow records an event of key at now if the limit allows it; otherwise it returns how long
// until the oldest counted event leaves the window.
func (l *windowLimit) allow(key string, now time.Time) (ok bool, wait time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.hits[key]
	cut := 0
	for cut < len(h) && !h[cut].Add(l.window).After(now) {
		cut++
	}
	h = h[cut:]
	if len(h) >= l.limit {
		l.hits[key] = h
		return false, h[0].Add(l.window).Sub(now)
	}
	l.hits[key] = append(h, now)
	return true, 0
}

// limitReached is a 429 too-many-requests with a Retry-After of wait rounded up to whole seconds.
func limitReached(detail string, wait time.Duration) *apiError {
	e := newError(429, "too-many-requests", detail, &errSource{})
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	e.header = map[string][]string{"Retry-After": {strconv.Itoa(secs)}}
	return e
}

// takeToken spends one token request of an API key.
func (s *Server) takeToken(key string) *apiError {
	ok, wait := s.tokenLimit.allow(key, s.now())
	if ok {
		return nil
	}
	return limitReached("Token request limit of "+strconv.Itoa(s.cfg.tokenLimit)+" per "+s.cfg.tokenWindow.String()+" reached; reuse tokens.", wait)
}
