package basiqtest

import (
	"net/http"
	"sync/atomic"
	"time"
)

// job is one Basiq job. Its steps' statuses are computed lazily from created, the plan and
// the clock; only an MFA answer mutates it (under its shard's lock).
type job struct {
	id, userID, connID string
	created            time.Time
	steps              []stepPlan
	mfaMethod          string    // "" when the institution has no MFA
	mfaAt              time.Time // when an MFA answer arrived; zero = none yet
	mfaOK              bool
	seen               uint8                       // steps whose end settle has handled (under store.mu)
	due                int64                       // Unix ns of its live tracker entry, 0 = none (under tracker.mu)
	final              atomic.Pointer[[]stepState] // its states once it has ended: they never change
}

// stepState is a step's status at one instant.
type stepState struct {
	title, status string
	start, end    time.Time // end is set once the step is final
	fail, detail  string
	challenge     bool // mfa-challenge waiting for its answer
}

// states computes the status of every step at now. Call with the job's shard lock held (read).
// Once the job has ended they are kept, and shared: callers must not change them.
func (j *job) states(now time.Time, mfaExpiry time.Duration) []stepState {
	if p := j.final.Load(); p != nil {
		return *p
	}
	out := j.compute(now, mfaExpiry)
	if overall(out) != "in-progress" {
		j.final.Store(&out)
	}
	return out
}

func (j *job) compute(now time.Time, mfaExpiry time.Duration) []stepState {
	out := make([]stepState, len(j.steps))
	t, open := j.created, true
	for i, p := range j.steps {
		out[i] = stepState{title: p.title, status: "pending"}
		if !open {
			continue
		}
		end, fail, known := j.stepEnd(p, t, now, mfaExpiry)
		out[i].start = t
		if !known || now.Before(end) {
			out[i].status = "in-progress"
			out[i].challenge = p.title == stepMFA && j.mfaAt.IsZero()
			open = false
			continue
		}
		out[i].end, out[i].fail = end, fail
		if fail == p.fail {
			out[i].detail = p.detail
		}
		out[i].status = "success"
		if fail != "" {
			out[i].status, open = "failed", false
		}
		t = end
	}
	return out
}

// stepEnd says when a step that started at t ends and how; known is false while that is open.
func (j *job) stepEnd(p stepPlan, t, now time.Time, mfaExpiry time.Duration) (end time.Time, fail string, known bool) {
	if p.title == stepMFA {
		switch {
		case !j.mfaAt.IsZero() && j.mfaOK:
			return maxTime(j.mfaAt, t).Add(p.dur), "", true
		case !j.mfaAt.IsZero():
			return maxTime(j.mfaAt, t), "invalid-credentials", true
		}
		deadline := t.Add(mfaExpiry)
		return deadline, "job-timed-out", !now.Before(deadline)
	}
	if p.dur == forever {
		return time.Time{}, "", false
	}
	return t.Add(p.dur), p.fail, true
}

// overall is the job's status: in-progress, success or failed.
func overall(st []stepState) string {
	for _, s := range st {
		switch s.status {
		case "failed":
			return "failed"
		case "in-progress", "pending":
			return "in-progress"
		}
	}
	return "success"
}

// updated is the last instant a step changed status.
func updated(created time.Time, st []stepState) time.Time {
	u := created
	for _, s := range st {
		if s.end.After(u) {
			u = s.end
		} else if s.start.After(u) {
			u = s.start
		}
	}
	return u
}

// snapshot reads a job's states under its shard lock.
func (s *Server) snapshot(j *job) []stepState {
	sh := s.store.shard(j.id)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return j.states(s.now(), s.cfg.mfaExpiry)
}

// newJob creates the next job of a connection. Call with store.mu held for writing.
func (s *Server) newJob(c *connection, u *user) *job {
	inst := s.institution(c.institution)
	id := s.store.newID()
	j := &job{id: id, userID: c.userID, connID: c.id, created: s.now(), mfaMethod: inst.mfa}
	j.steps = s.plan(id, inst, c.loginID, c.password, len(c.jobs)+1)
	s.addJob(c, u, j)
	return j
}

// addJob stores a new job of c and starts following it for events. Call with store.mu held.
func (s *Server) addJob(c *connection, u *user, j *job) {
	c.jobs = append(c.jobs, j.id)
	u.jobs = append(u.jobs, j.id)
	s.store.putJob(j)
	s.track.pushJob(j.created, j)
}

type jobStub struct {
	Type  string   `json:"type"`
	ID    string   `json:"id"`
	Links selfLink `json:"links"`
}

type selfLink struct {
	Self string `json:"self"`
}

func (s *Server) stub(r *http.Request, id string) jobStub {
	return jobStub{Type: "job", ID: id, Links: selfLink{Self: s.baseURL(r) + "/jobs/" + id}}
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) *apiError {
	j, ok := s.store.job(r.PathValue("id"))
	if !ok {
		return errNotFound("job")
	}
	writeJSON(w, 200, s.jobJSON(r, j))
	return nil
}

// jobWindow is how far back GET /users/{uid}/jobs looks, as Basiq's.
const jobWindow = 7 * 24 * time.Hour

// listJobs answers a user's jobs newest first, those of the last 7 days, paged.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) *apiError {
	f, err := parseFilter(r.URL.Query().Get("filter"), jobFields)
	if err != nil {
		return err
	}
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	since := s.now().Add(-jobWindow)
	var data []any
	for i := len(u.jobs) - 1; i >= 0; i-- {
		j, ok := s.store.job(u.jobs[i])
		if ok && !j.created.Before(since) && f.match(func(string) string { return j.connID }) {
			data = append(data, s.jobJSON(r, j))
		}
	}
	writeJSON(w, 200, s.pagedList(r, data, limit, offset))
	return nil
}

var jobFields = map[string]bool{"connection.id": true}

type mfaBody struct {
	Response []string `json:"mfa-response"`
}

func (s *Server) postMFA(w http.ResponseWriter, r *http.Request) *apiError {
	var body mfaBody
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if len(body.Response) == 0 {
		return errNotSupplied("/mfa-response")
	}
	j, ok := s.store.job(r.PathValue("id"))
	if !ok {
		return errNotFound("job")
	}
	if err := s.needClientForMFA(r, j); err != nil {
		return err
	}
	if err := s.answerMFA(j, body.Response[0]); err != nil {
		return err
	}
	writeJSON(w, 202, s.stub(r, j.id))
	return nil
}

func (s *Server) answerMFA(j *job, answer string) *apiError {
	sh := s.store.shard(j.id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	now := s.now()
	for _, st := range j.states(now, s.cfg.mfaExpiry) {
		if st.challenge {
			j.mfaAt, j.mfaOK = now, answer == mfaAnswers[j.mfaMethod]
			s.track.pushJob(now, j)
			return nil
		}
	}
	return errNotValid(pointer("/mfa-response"), "Job is not waiting for an MFA response.")
}

var mfaAnswers = map[string]string{"token": "1234", "security-questions": "Hooli"}
