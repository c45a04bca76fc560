package basiqtest

import (
	"container/heap"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// The fake computes job progress lazily, so the events a job causes (connection.activated,
// account.updated, ...) are found by settling: a heap holds, per running job (and per active
// consent), the next instant something about it can change; settle evaluates what is due and
// emits the events with the exact instant of the change. It runs before every emit (so events
// stay in time order), on GET /events and Stats, and in the webhook dispatcher.

type milestone struct {
	at      time.Time
	j       *job
	consent *consent
}

type milestoneHeap []milestone

func (h milestoneHeap) Len() int           { return len(h) }
func (h milestoneHeap) Less(i, k int) bool { return h[i].at.Before(h[k].at) }
func (h milestoneHeap) Swap(i, k int)      { h[i], h[k] = h[k], h[i] }
func (h *milestoneHeap) Push(x any)        { *h = append(*h, x.(milestone)) }
func (h *milestoneHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	*h = old[:len(old)-1]
	return m
}

type tracker struct {
	mu   sync.Mutex
	h    milestoneHeap
	wake chan struct{} // signalled when an earlier milestone may exist (dispatcher only)
	on   atomic.Bool   // the dispatcher runs
}

func newTracker() *tracker { return &tracker{wake: make(chan struct{}, 1)} }

func (t *tracker) push(m milestone) {
	t.mu.Lock()
	heap.Push(&t.h, m)
	t.mu.Unlock()
	if t.on.Load() {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

// popDue returns the earliest milestone due at now, if any.
func (t *tracker) popDue(now time.Time) (milestone, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.h) == 0 || t.h[0].at.After(now) {
		return milestone{}, false
	}
	return heap.Pop(&t.h).(milestone), true
}

// next is the instant of the earliest milestone (zero when none).
func (t *tracker) next() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.h) == 0 {
		return time.Time{}
	}
	return t.h[0].at
}

// settle processes every milestone due now. Call with store.mu held for writing.
func (s *Server) settle() {
	now := s.now()
	for {
		m, ok := s.track.popDue(now)
		if !ok {
			return
		}
		if m.j != nil {
			s.advanceJob(m.j, now)
		} else {
			s.expireIfDue(m.consent, now)
		}
	}
}

// settleNow takes store.mu and settles.
func (s *Server) settleNow() {
	s.store.mu.Lock()
	s.settle()
	s.store.mu.Unlock()
}

// advanceJob emits the events of the steps of j that ended since the last look, then schedules
// the next look at the end of the running step.
func (s *Server) advanceJob(j *job, now time.Time) {
	st := s.snapshot(j)
	for ; j.seen < len(st); j.seen++ {
		x := st[j.seen]
		if x.status != "success" && x.status != "failed" {
			break
		}
		s.stepEvents(j, x)
	}
	if j.seen < len(st) && st[j.seen].status == "in-progress" {
		if at, ok := j.nextChange(st[j.seen], s.cfg.mfaExpiry); ok {
			s.track.push(milestone{at: maxTime(at, now), j: j})
		}
	}
}

// nextChange is when the running step x can next change: its planned end, or the MFA deadline.
func (j *job) nextChange(x stepState, mfaExpiry time.Duration) (time.Time, bool) {
	for _, p := range j.steps {
		if p.title != x.title {
			continue
		}
		switch {
		case p.title == stepMFA && j.mfaAt.IsZero():
			return x.start.Add(mfaExpiry), true
		case p.title == stepMFA:
			return maxTime(j.mfaAt, x.start).Add(p.dur), true
		case p.dur == forever:
			return time.Time{}, false
		}
		return x.start.Add(p.dur), true
	}
	return time.Time{}, false
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// stepEvents emits what the end of step x of job j means for its connection.
func (s *Server) stepEvents(j *job, x stepState) {
	c := s.store.conns[j.connID]
	if c == nil || c.deleted {
		return
	}
	r := s.baseRequest()
	switch {
	case x.status == "failed" && userSide[x.fail]:
		s.connStatusEvent(r, c, "invalid", x.end)
	case x.status == "failed":
	case x.title == stepCredentials && !j.hasStep(stepMFA), x.title == stepMFA:
		s.connStatusEvent(r, c, "active", x.end)
	case x.title == stepAccounts:
		s.emit("account.updated", c.userID, s.baseURL(r)+"/users/"+c.userID+"/accounts?filter=connection.id.eq('"+c.id+"')", s.connectionJSON(r, c), x.end)
	case x.title == stepTransactions:
		s.emit("transactions.updated", c.userID, s.baseURL(r)+"/users/"+c.userID+"/transactions?filter=connection.id.eq('"+c.id+"')", s.connectionJSON(r, c), x.end)
	}
}

func (j *job) hasStep(title string) bool {
	for _, p := range j.steps {
		if p.title == title {
			return true
		}
	}
	return false
}

// connStatusEvent emits connection.activated or connection.invalidated when c's reported status
// changes to status. Call with store.mu held for writing.
func (s *Server) connStatusEvent(r *http.Request, c *connection, status string, at time.Time) {
	if c.reported == status {
		return
	}
	c.reported = status
	typ := "connection.activated"
	if status == "invalid" {
		typ = "connection.invalidated"
	}
	s.emit(typ, c.userID, s.baseURL(r)+"/users/"+c.userID+"/connections/"+c.id, s.connectionJSON(r, c), at)
}

// noteBase remembers the link base of a request that changes state, for the links of events
// that settle later without a request.
func (s *Server) noteBase(r *http.Request) {
	if s.cfg.baseURL == "" {
		b := s.baseURL(r)
		s.lastBase.Store(&b)
	}
}

// baseRequest is a request whose baseURL is the server's link base, for rendering without one.
func (s *Server) baseRequest() *http.Request {
	b := s.cfg.baseURL
	if b == "" {
		if p := s.lastBase.Load(); p != nil {
			b = *p
		} else {
			b = "http://localhost"
		}
	}
	u, _ := url.Parse(b)
	r := &http.Request{Host: u.Host, URL: &url.URL{Path: "/"}, Header: http.Header{}}
	if u.Scheme == "https" {
		r.Header.Set("X-Forwarded-Proto", "https")
	}
	return r
}
