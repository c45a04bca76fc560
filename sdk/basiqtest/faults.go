package basiqtest

import (
	"math"
	"math/rand/v2"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault injects misbehaviour into the requests whose method and path match Path. Several
// faults may apply to one request: latencies add up, and the first fault that decides to answer
// with an error (in the order drop, rate limit, throttle, 5xx) wins. Random choices come from
// the server's seed.
type Fault struct {
	// Path selects requests: "" = all; "/jobs/" = that prefix; "/jobs" = that path and below;
	// a glob where * is one segment, e.g. "/users/*/connections"; optionally preceded by a
	// method and a space: "POST /users/*/connections".
	Path string
	// Latency is added before the request is handled.
	Latency time.Duration
	// ErrorRate is the share (0..1) of requests answered with ErrorStatus.
	ErrorRate float64
	// ErrorStatus is 500 (internal-server-error, the default) or 503 (service-unavailable).
	ErrorStatus int
	// RateLimit allows N requests per second per API key (POST /token with the key and every
	// bearer token issued for it share one budget), as a token bucket of N tokens refilled at N
	// per second; beyond it the answer is 429.
	RateLimit int
	// ThrottleRate is the share (0..1) of requests answered 429 too-many-requests.
	ThrottleRate float64
	// RetryAfter is the Retry-After header of 429 answers (whole seconds, at least 1). When zero
	// a rate limit says when its next token is due, and a throttle says 1.
	RetryAfter time.Duration
	// DropRate is the share (0..1) of connections closed without an answer.
	DropRate float64
}

type faultSet struct {
	mu      sync.Mutex
	faults  []Fault
	rng     *rand.Rand
	buckets map[bucketKey]*bucket
	n       atomic.Int32 // len(faults), read without the lock on every request
}

type bucketKey struct {
	fault int
	who   string
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newFaultSet(seed int64, f []Fault) *faultSet {
	fs := &faultSet{faults: f, rng: rand.New(rand.NewPCG(uint64(seed), 0x6661756c74)), buckets: map[bucketKey]*bucket{}}
	fs.n.Store(int32(len(f)))
	return fs
}

// SetFaults replaces the server's faults; rate-limit budgets start afresh. Safe for concurrent use.
func (s *Server) SetFaults(f ...Fault) {
	s.flt.mu.Lock()
	s.flt.faults = append([]Fault(nil), f...)
	s.flt.buckets = map[bucketKey]*bucket{}
	s.flt.n.Store(int32(len(f)))
	s.flt.mu.Unlock()
}

func (f Fault) matches(method, p string) bool {
	pat := f.Path
	if pat == "" {
		return true
	}
	if m, rest, ok := strings.Cut(pat, " "); ok {
		if !strings.EqualFold(m, method) {
			return false
		}
		pat = rest
	}
	if strings.Contains(pat, "*") {
		ok, _ := path.Match(pat, p)
		return ok
	}
	if strings.HasSuffix(pat, "/") {
		return strings.HasPrefix(p, pat)
	}
	return p == pat || strings.HasPrefix(p, pat+"/")
}

// verdict is what the faults decided for one request.
type verdict struct {
	latency time.Duration
	drop    bool
	err     *apiError
}

func (s *Server) decideFaults(r *http.Request) verdict {
	fs := s.flt
	var v verdict
	if fs.n.Load() == 0 {
		return v
	}
	who := s.credential(r)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	now := s.now()
	for i, f := range fs.faults {
		if !f.matches(r.Method, r.URL.Path) {
			continue
		}
		v.latency += f.Latency
		if v.drop || v.err != nil {
			continue
		}
		v.drop = f.DropRate > 0 && fs.rng.Float64() < f.DropRate
		if !v.drop {
			v.err = fs.errorFor(i, f, who, now)
		}
	}
	return v
}

func (fs *faultSet) errorFor(i int, f Fault, who string, now time.Time) *apiError {
	if f.RateLimit > 0 {
		if wait := fs.take(bucketKey{i, who}, f.RateLimit, now); wait > 0 {
			return tooMany(f.RetryAfter, wait)
		}
	}
	if f.ThrottleRate > 0 && fs.rng.Float64() < f.ThrottleRate {
		return tooMany(f.RetryAfter, time.Second)
	}
	if f.ErrorRate > 0 && fs.rng.Float64() < f.ErrorRate {
		if f.ErrorStatus == 503 {
			return newError(503, "service-unavailable", "Service is temporarily unavailable (injected).", nil)
		}
		return newError(max(f.ErrorStatus, 500), "internal-server-error", "Internal server error (injected).", nil)
	}
	return nil
}

// take spends one token of a bucket; it returns how long until a token is due when empty.
func (fs *faultSet) take(k bucketKey, rate int, now time.Time) time.Duration {
	b, ok := fs.buckets[k]
	if !ok {
		b = &bucket{tokens: float64(rate), last: now}
		fs.buckets[k] = b
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = math.Min(float64(rate), b.tokens+dt*float64(rate))
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / float64(rate) * float64(time.Second))
}

func tooMany(retryAfter, wait time.Duration) *apiError {
	if retryAfter <= 0 {
		retryAfter = wait
	}
	secs := max(int(math.Ceil(retryAfter.Seconds())), 1)
	e := newError(429, "too-many-requests", "Too many requests; retry after "+strconv.Itoa(secs)+"s.", nil)
	e.header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	return e
}

// applyFaults runs the faults for a request; true means the request was answered or dropped.
func (s *Server) applyFaults(w *statusWriter, r *http.Request) bool {
	v := s.decideFaults(r)
	if v.latency > 0 {
		t := time.NewTimer(v.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	switch {
	case v.drop:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			w.count()
			_ = conn.Close()
			return true
		}
		panic(http.ErrAbortHandler)
	case v.err != nil:
		s.writeError(w, v.err)
		return true
	}
	return false
}
