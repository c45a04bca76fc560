package basiqtest

import (
	"sync"
	"sync/atomic"
	"time"
)

// The fake computes job progress lazily, so the events a job causes (connection.activated,
// account.updated, ...) are found by settling: a heap holds, per running job (and per active
// consent), the next instant something about it can change; settle evaluates what is due and
// emits the events with the exact instant of the change. It runs before every emit (so events
// stay in time order), on GET /events and Stats, and in the webhook dispatcher.

type tracker struct {
	mu       sync.Mutex
	jobs     minHeap[*job]
	consents minHeap[*consent]
	wake     chan struct{} // signalled when an earlier milestone may exist (dispatcher only)
	on       atomic.Bool   // the dispatcher runs
	evals    atomic.Uint64 // job evaluations (advanceJob calls), which tests count
	later    []at[*job]    // settle's reschedules, pushed once it is done (under store.mu)
}

func newTracker() *tracker { return &tracker{wake: make(chan struct{}, 1)} }

// pushJob schedules a look at j at when. A job has one live entry, at j.due: a later instant
// than the one it has adds nothing (that look sees the change), an earlier one replaces it and
// leaves the old entry stale, so that each milestone is evaluated once.
func (t *tracker) pushJob(when time.Time, j *job) {
	n := when.UnixNano()
	t.mu.Lock()
	if j.due != 0 && j.due <= n {
		t.mu.Unlock()
		return
	}
	j.due = n
	t.jobs.push(at[*job]{nanos: n, v: j})
	t.mu.Unlock()
	t.signal()
}

func (t *tracker) pushConsent(when time.Time, cs *consent) {
	t.mu.Lock()
	t.consents.push(at[*consent]{nanos: when.UnixNano(), v: cs})
	t.mu.Unlock()
	t.signal()
}

func (t *tracker) signal() {
	if t.on.Load() {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

// popDue returns the earliest job or consent due at now, if any; stale job entries are dropped.
func (t *tracker) popDue(now time.Time) (*job, *consent, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := now.UnixNano()
	for len(t.jobs) > 0 && t.jobs[0].nanos <= n {
		e := t.jobs.pop()
		if e.nanos == e.v.due {
			e.v.due = 0
			return e.v, nil, true
		}
	}
	if len(t.consents) > 0 && t.consents[0].nanos <= n {
		return nil, t.consents.pop().v, true
	}
	return nil, nil, false
}

// next is the instant of the earliest milestone (zero when none).
func (t *tracker) next() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	var n int64
	if len(t.jobs) > 0 {
		n = t.jobs[0].nanos
	}
	if len(t.consents) > 0 && (n == 0 || t.consents[0].nanos < n) {
		n = t.consents[0].nanos
	}
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// settle processes every milestone due now. Call with store.mu held for writing. A job is
// evaluated at most once per call: its next look is pushed when the due ones are done, so that
// a next change not after now (which the clock should never give) cannot loop here.
func (s *Server) settle() {
	now := s.now()
	later := s.track.later[:0]
	for {
		j, cs, ok := s.track.popDue(now)
		if !ok {
			break
		}
		if j == nil {
			s.expireIfDue(cs, now)
			continue
		}
		if when, more := s.advanceJob(j, now); more {
			later = append(later, at[*job]{nanos: when.UnixNano(), v: j})
		}
	}
	for _, e := range later {
		s.track.pushJob(time.Unix(0, e.nanos), e.v)
	}
	clear(later)
	s.track.later = later[:0]
}

// settleNow takes store.mu and settles.
func (s *Server) settleNow() {
	s.store.mu.Lock()
	s.settle()
	s.store.mu.Unlock()
}

// advanceJob emits the events of the steps of j that ended since the last look and says when
// to look next: the end of the running step (more is false when none runs or it never ends).
func (s *Server) advanceJob(j *job, now time.Time) (next time.Time, more bool) {
	s.track.evals.Add(1)
	st, when, more := s.snapshotNext(j, now)
	for ; int(j.seen) < len(st); j.seen++ {
		x := st[j.seen]
		if x.status != "success" && x.status != "failed" {
			break
		}
		s.stepEvents(j, x)
	}
	return maxTime(when, now), more
}

// snapshotNext reads j's states at now and when its running step can next change (more is
// false when no step runs or it never ends), under the shard lock that MFA answers take.
func (s *Server) snapshotNext(j *job, now time.Time) (st []stepState, when time.Time, more bool) {
	sh := s.store.shard(j.id)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	st = j.states(now, s.cfg.mfaExpiry)
	for _, x := range st {
		if x.status == "in-progress" {
			when, more = j.nextChange(x, s.cfg.mfaExpiry)
			break
		}
	}
	return st, when, more
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
