package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// faultOptions are the fake's misbehaviour and the workers' shared rate
// limiter, for measuring how the fleet copes with Basiq's limits.
type faultOptions struct {
	rateLimit    int
	throttleRate float64
	errorRate    float64
	retryAfter   time.Duration
	limit        float64 // workers' BASIQ_RATE_LIMIT
	burst        int     // workers' BASIQ_RATE_BURST
	// createLatency is added to every connection create: Basiq's own take
	// far longer than the fake's (a remote API, and a job to start).
	createLatency time.Duration
}

func (f *faultOptions) register(fs *flag.FlagSet) {
	fs.IntVar(&f.rateLimit, "rate-limit", 0, "fake Basiq: requests per second per API key (token bucket) before 429 (0 = none)")
	fs.Float64Var(&f.throttleRate, "throttle-rate", 0, "fake Basiq: share of requests answered 429 at random")
	fs.Float64Var(&f.errorRate, "error-rate", 0, "fake Basiq: share of requests answered 500 at random")
	fs.DurationVar(&f.retryAfter, "retry-after", 0, "fake Basiq: Retry-After of its 429s (0: when its next token is due, or 1s)")
	fs.Float64Var(&f.limit, "basiq-rate-limit", 0, "workers' shared rate limit in requests per second (BASIQ_RATE_LIMIT; 0 = none)")
	fs.IntVar(&f.burst, "basiq-rate-burst", 5, "workers' shared rate limit burst (BASIQ_RATE_BURST)")
	fs.DurationVar(&f.createLatency, "create-latency", 0, "fake Basiq: latency added to every POST /users/{id}/connections (a remote Basiq's creates are far slower than the local fake's)")
}

func (f faultOptions) childArgs() []string {
	return []string{"-basiq-rate-limit", fmt.Sprint(f.limit), "-basiq-rate-burst", strconv.Itoa(f.burst)}
}

// fault is the fake's Fault for the flags, and whether there is any.
func (f faultOptions) fault() (basiqtest.Fault, bool) {
	ft := basiqtest.Fault{RateLimit: f.rateLimit, ThrottleRate: f.throttleRate, ErrorRate: f.errorRate, RetryAfter: f.retryAfter}
	return ft, f.rateLimit > 0 || f.throttleRate > 0 || f.errorRate > 0
}

// faults are the fake's Faults for the flags: fault's, and the creates' latency.
func (f faultOptions) faults() []basiqtest.Fault {
	var fs []basiqtest.Fault
	if ft, ok := f.fault(); ok {
		fs = append(fs, ft)
	}
	if f.createLatency > 0 {
		fs = append(fs, basiqtest.Fault{Path: "POST /users/*/connections", Latency: f.createLatency})
	}
	return fs
}

// Throttle are the figures of a run against Basiq's limits, from every
// request the fake answered (POST /token and the bench's own calls aside).
type Throttle struct {
	Requests    int `json:"requests"`
	Answered429 int `json:"answered429"`
	// Early counts requests for a method and path that came before the
	// Retry-After of an earlier 429 on the same method and path had passed.
	// It keys by method and path alone, over every worker process: a path
	// that several processes ask independently counts too, though it is no
	// retry. GET /institutions/{id} (the step durations each process looks
	// up once, worker/expect.go) is such a path: in the fault mix the one
	// early request seen was a process's first lookup, 75ms after another
	// process's lookup was answered 429.
	Early int `json:"earlyRetries"`
	// EarlyExamples describes the first few of them.
	EarlyExamples []string `json:"earlyExamples,omitempty"`
	// ServedPerS is the requests not answered 429 per second, from the
	// first request to the last.
	ServedPerS float64 `json:"servedPerSecond"`
	Share429   float64 `json:"share429"`
}

// throttleRecorder wraps the fake's handler and watches 429s and retries.
type throttleRecorder struct {
	next      http.Handler
	mu        sync.Mutex
	on        bool
	notBefore map[string]throttled
	t         Throttle
	first     time.Time
	last      time.Time
}

func newThrottleRecorder(next http.Handler) *throttleRecorder {
	return &throttleRecorder{next: next, notBefore: map[string]throttled{}}
}

// throttled is a 429 answered for a method and path: when, and its Retry-After.
type throttled struct {
	at    time.Time
	after time.Duration
}

// start begins counting (after the bench's own setup calls).
func (tr *throttleRecorder) start() {
	tr.mu.Lock()
	tr.on, tr.t, tr.notBefore, tr.first = true, Throttle{}, map[string]throttled{}, time.Time{}
	tr.mu.Unlock()
}

func (tr *throttleRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	tr.next.ServeHTTP(sw, r)
	if r.URL.Path == "/token" {
		return
	}
	key := r.Method + " " + r.URL.Path
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if !tr.on {
		return
	}
	if tr.first.IsZero() {
		tr.first = arrived
	}
	tr.last = time.Now()
	tr.t.Requests++
	if th, ok := tr.notBefore[key]; ok && arrived.Before(th.at.Add(th.after)) {
		tr.t.Early++
		if len(tr.t.EarlyExamples) < 5 {
			tr.t.EarlyExamples = append(tr.t.EarlyExamples, fmt.Sprintf("%s %s after a 429 with Retry-After %s",
				key, arrived.Sub(th.at).Round(time.Millisecond), th.after))
		}
	}
	if sw.status == http.StatusTooManyRequests {
		tr.t.Answered429++
		secs, _ := strconv.Atoi(sw.Header().Get("Retry-After"))
		tr.notBefore[key] = throttled{time.Now(), time.Duration(secs) * time.Second}
	}
}

func (tr *throttleRecorder) figures() Throttle {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	t := tr.t
	if d := tr.last.Sub(tr.first).Seconds(); d > 0 {
		t.ServedPerS = float64(t.Requests-t.Answered429) / d
	}
	if t.Requests > 0 {
		t.Share429 = float64(t.Answered429) / float64(t.Requests)
	}
	return t
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (t *Throttle) table(w io.Writer) {
	fmt.Fprintf(w, "basiq: %d requests (token aside), %.1f served/s, %d answered 429 (%.2f%%), %d before their own Retry-After\n",
		t.Requests, t.ServedPerS, t.Answered429, 100*t.Share429, t.Early)
	for _, e := range t.EarlyExamples {
		fmt.Fprintf(w, "  early: %s\n", e)
	}
}
