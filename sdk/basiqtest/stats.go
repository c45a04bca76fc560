package basiqtest

import (
	"net/http"
	"sync"
	"time"
)

// Stats is a snapshot of what the server has seen.
type Stats struct {
	// Requests counts answers by route pattern (e.g. "GET /jobs/{id}", "/" for unknown routes)
	// and status; status 0 counts dropped connections.
	Requests map[string]map[int]int `json:"requests"`
	// TokensIssued counts successful POST /token calls.
	TokensIssued int `json:"tokensIssued"`
	// Jobs holds every job by id.
	Jobs map[string]JobStats `json:"jobs"`
	// Events counts the events emitted (GET /events shows those of the last 7 days).
	Events int `json:"events"`
	// Deliveries holds every webhook message by its webhook-id.
	Deliveries map[string]DeliveryStats `json:"deliveries"`
}

// DeliveryStats describes one webhook message: one event for one subscription.
type DeliveryStats struct {
	WebhookID string `json:"webhookId"`
	EventID   string `json:"eventId"`
	EventType string `json:"eventType"`
	// Status is pending, delivered, failed (every attempt failed) or dropped (its webhook was
	// deleted).
	Status   string            `json:"status"`
	Attempts []DeliveryAttempt `json:"attempts"`
	// NextAttempt is when a pending message is tried next.
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
}

// JobStats describes one job.
type JobStats struct {
	UserID       string    `json:"userId"`
	ConnectionID string    `json:"connectionId"`
	Created      time.Time `json:"created"`
	// StepFinished holds, for each step that reached success or failed, the exact instant it did
	// per the server's clock.
	StepFinished map[string]time.Time `json:"stepFinished"`
	// Status is in-progress, success or failed.
	Status string `json:"status"`
}

type statsRecorder struct {
	mu  sync.Mutex
	req map[string]map[int]int
}

func newStatsRecorder() *statsRecorder { return &statsRecorder{req: map[string]map[int]int{}} }

func (sr *statsRecorder) count(route string, status int) {
	sr.mu.Lock()
	m := sr.req[route]
	if m == nil {
		m = map[int]int{}
		sr.req[route] = m
	}
	m[status]++
	sr.mu.Unlock()
}

// Stats returns a snapshot of request counts, tokens issued and every job.
func (s *Server) Stats() Stats {
	s.settleNow()
	st := Stats{Requests: map[string]map[int]int{}, Jobs: map[string]JobStats{}, Deliveries: s.hooks.stats()}
	s.events.mu.RLock()
	st.Events = len(s.events.list)
	s.events.mu.RUnlock()
	s.stats.mu.Lock()
	for route, m := range s.stats.req {
		c := make(map[int]int, len(m))
		for k, v := range m {
			c[k] = v
		}
		st.Requests[route] = c
	}
	s.stats.mu.Unlock()
	s.auth.mu.RLock()
	st.TokensIssued = s.auth.issued
	s.auth.mu.RUnlock()
	now := s.now()
	for i := range s.store.shards {
		sh := &s.store.shards[i]
		sh.mu.RLock()
		for id, j := range sh.jobs {
			st.Jobs[id] = j.stats(now, s.cfg.mfaExpiry)
		}
		sh.mu.RUnlock()
	}
	return st
}

func (j *job) stats(now time.Time, mfaExpiry time.Duration) JobStats {
	states := j.states(now, mfaExpiry)
	js := JobStats{UserID: j.userID, ConnectionID: j.connID, Created: j.created, StepFinished: map[string]time.Time{}, Status: overall(states)}
	for _, x := range states {
		if x.status == "success" || x.status == "failed" {
			js.StepFinished[x.title] = x.end
		}
	}
	return js
}

// Job returns the stats of one job.
func (s *Server) Job(id string) (JobStats, bool) {
	sh := s.store.shard(id)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	j, ok := sh.jobs[id]
	if !ok {
		return JobStats{}, false
	}
	return j.stats(s.now(), s.cfg.mfaExpiry), true
}

// ResetStats clears the request counts and the tokens-issued count; state (users, jobs, tokens)
// is kept.
func (s *Server) ResetStats() {
	s.stats.mu.Lock()
	s.stats.req = map[string]map[int]int{}
	s.stats.mu.Unlock()
	s.auth.mu.Lock()
	s.auth.issued = 0
	s.auth.mu.Unlock()
}

// Users returns how many users exist (deleted ones excluded).
func (s *Server) Users() int {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	n := 0
	for _, u := range s.store.users {
		if !u.deleted {
			n++
		}
	}
	return n
}

// Connections returns how many connections exist (deleted ones excluded).
func (s *Server) Connections() int {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	n := 0
	for _, c := range s.store.conns {
		if !c.deleted {
			n++
		}
	}
	return n
}

// Jobs returns how many jobs exist.
func (s *Server) Jobs() int {
	n := 0
	for i := range s.store.shards {
		sh := &s.store.shards[i]
		sh.mu.RLock()
		n += len(sh.jobs)
		sh.mu.RUnlock()
	}
	return n
}

func (s *Server) getStats(w http.ResponseWriter, r *http.Request) *apiError {
	writeJSON(w, 200, s.Stats())
	return nil
}
