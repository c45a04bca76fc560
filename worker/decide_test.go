package worker

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestDecide covers every action decide can choose, with the state it
// hands to the next poll. No Redis, no Basiq: decide only reads its inputs.
func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	pol := PollPolicy{Initial: time.Second, Factor: 2, Max: 8 * time.Second}
	r := rules{policy: pol, stepRetries: 3, stepDelay: time.Minute, unavailable: 5 * time.Minute, rnd: 0.5,
		expected: map[string]stepHint{sdk.StepVerifyCredentials: {Expected: 5 * time.Second}}}
	mfa := &sdk.Job{ID: "j-1", Steps: []sdk.Step{
		{Title: sdk.StepVerifyCredentials, Status: sdk.StatusSuccess},
		{Title: sdk.StepMFAChallenge, Status: sdk.StatusInProgress, Result: &sdk.StepResult{Type: "mfa", Method: "token"}},
		{Title: sdk.StepRetrieveAccounts, Status: sdk.StatusPending},
	}}
	running := job("j-1", sdk.StatusInProgress, sdk.StatusPending)
	noConn := failedJob("j-1", "maintenance")
	noConn.Links = sdk.JobLinks{}
	unavail := failedJob("j-1", "service-unavailable")
	// Near set: the looks cover each step's expected end (policy.go).
	near := func(r *rules) {
		r.policy.Near, r.policy.Spread = 800*time.Millisecond, 0.25
		r.expected = map[string]stepHint{sdk.StepVerifyCredentials: {Expected: 4 * time.Second}, sdk.StepRetrieveAccounts: {Expected: 4 * time.Second}}
	}
	second := job("j-1", sdk.StatusSuccess, sdk.StatusInProgress, sdk.StatusPending)
	secondAt := func(updated time.Duration) *sdk.Job {
		j := job("j-1", sdk.StatusSuccess, sdk.StatusInProgress, sdk.StatusPending)
		j.Updated = now.Add(updated)
		return j
	}
	bounds := func(since, by time.Duration) func(t *testing.T, s pollPayload, _ action) {
		return func(t *testing.T, s pollPayload, _ action) {
			if !s.StepSince.Equal(now.Add(since)) || !s.StepBy.Equal(now.Add(by)) || s.Looks != 0 {
				t.Errorf("step began between %v and %v, looks %d; want %v, %v, 0", s.StepSince.Sub(now), s.StepBy.Sub(now), s.Looks, since, by)
			}
		}
	}
	tests := []struct {
		name  string
		rules func(*rules)
		state func(*pollPayload)
		job   *sdk.Job
		want  pollAction
		due   time.Duration // from now, for actions that schedule
		check func(t *testing.T, s pollPayload, a action)
	}{
		{name: "running: aims at the step's expected end", job: running, want: actPoll, due: 3 * time.Second,
			check: func(t *testing.T, s pollPayload, _ action) {
				if s.N != 2 || s.Looks != 1 || !s.LastLook.Equal(now) {
					t.Errorf("N %d, looks %d, last look %v; want 2, 1, now", s.N, s.Looks, s.LastLook)
				}
			}},
		{name: "running past the expected end: backs off", job: running, want: actPoll, due: 2 * time.Second,
			state: func(s *pollPayload) { s.StepSince, s.Looks = now.Add(-6*time.Second), 1 }},
		{name: "next look never past the deadline", job: running, want: actPoll, due: 500 * time.Millisecond,
			state: func(s *pollPayload) { s.Deadline = now.Add(500 * time.Millisecond) }},
		{name: "new step: recorded, looks reset, connection learned", want: actPoll, due: time.Second,
			job:   job("j-1", sdk.StatusSuccess, sdk.StatusInProgress, sdk.StatusPending),
			state: func(s *pollPayload) { s.Looks, s.ConnectionID = 4, "" },
			check: func(t *testing.T, s pollPayload, _ action) {
				if s.Step != sdk.StepRetrieveAccounts || s.Looks != 0 || len(s.Steps) != 2 || s.ConnectionID != "c-1" {
					t.Errorf("step %s looks %d steps %v conn %q", s.Step, s.Looks, s.Steps, s.ConnectionID)
				}
			}},
		{name: "near: running: looks Near after the step's earliest end", job: running, want: actPoll, due: 1800 * time.Millisecond, rules: near},
		{name: "near: new step began after the earliest end of the step before", job: second, want: actPoll, due: 2800 * time.Millisecond,
			rules: near, state: func(s *pollPayload) {
				s.StepSince, s.LastLook = now.Add(-4*time.Second), now.Add(-1500*time.Millisecond)
			},
			check: bounds(-time.Second, 0)},
		{name: "near: new step began after the previous look", job: second, want: actPoll, due: 3300 * time.Millisecond,
			rules: near, state: func(s *pollPayload) {
				s.StepSince, s.LastLook = now.Add(-10*time.Second), now.Add(-500*time.Millisecond)
			},
			check: bounds(-500*time.Millisecond, 0)},
		{name: "near: new step began within the second of Basiq's updated", job: secondAt(-1400 * time.Millisecond), want: actPoll,
			due: 2400 * time.Millisecond, rules: near,
			state: func(s *pollPayload) {
				s.StepSince, s.LastLook = now.Add(-10*time.Second), now.Add(-1500*time.Millisecond)
			},
			check: bounds(-1400*time.Millisecond, -400*time.Millisecond)},
		{name: "near: an updated before the previous look says nothing", job: secondAt(-3 * time.Second), want: actPoll,
			due: 3300 * time.Millisecond, rules: near,
			state: func(s *pollPayload) {
				s.StepSince, s.LastLook = now.Add(-10*time.Second), now.Add(-500*time.Millisecond)
			},
			check: bounds(-500*time.Millisecond, 0)},
		{name: "near: two steps ended between looks: from the previous look only", want: actPoll, due: time.Second, rules: near,
			job:   job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusInProgress),
			state: func(s *pollPayload) { s.StepSince, s.LastLook = now.Add(-10*time.Second), now.Add(-2*time.Second) },
			check: bounds(-2*time.Second, 0)},
		{name: "near: a step seen to end: its duration bounded, for learning", job: secondAt(-1400 * time.Millisecond), want: actPoll,
			due: 2400 * time.Millisecond, rules: near,
			state: func(s *pollPayload) {
				s.StepSince, s.StepBy, s.LastLook = now.Add(-5*time.Second), now.Add(-4500*time.Millisecond), now.Add(-1500*time.Millisecond)
			},
			check: func(t *testing.T, _ pollPayload, a action) {
				want := []stepSpan{{Title: sdk.StepVerifyCredentials, Min: 3100 * time.Millisecond, Max: 4600 * time.Millisecond}}
				if !slices.Equal(a.finished, want) {
					t.Errorf("finished %+v, want %+v", a.finished, want)
				}
			}},
		{name: "near: two steps ended between looks: no duration to learn", want: actPoll, due: time.Second, rules: near,
			job: job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusInProgress),
			state: func(s *pollPayload) {
				s.StepSince, s.StepBy, s.LastLook = now.Add(-5*time.Second), now.Add(-4*time.Second), now.Add(-2*time.Second)
			},
			check: func(t *testing.T, _ pollPayload, a action) {
				if len(a.finished) != 0 {
					t.Errorf("finished %+v, want none", a.finished)
				}
			}},
		{name: "completed: the last step's duration bounded", want: actComplete,
			job: job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess),
			state: func(s *pollPayload) {
				s.Step, s.StepSince, s.StepBy, s.LastLook = sdk.StepRetrieveTransactions, now.Add(-5*time.Second), now.Add(-4*time.Second), now.Add(-time.Second)
			},
			check: func(t *testing.T, _ pollPayload, a action) {
				want := []stepSpan{{Title: sdk.StepRetrieveTransactions, Min: 3 * time.Second, Max: 5 * time.Second}}
				if !slices.Equal(a.finished, want) {
					t.Errorf("finished %+v, want %+v", a.finished, want)
				}
			}},
		{name: "mfa challenge: published once, looks every Initial", job: mfa, want: actWaitMFA, due: time.Second,
			state: func(s *pollPayload) { s.Step, s.Looks = sdk.StepMFAChallenge, 3 },
			check: func(t *testing.T, s pollPayload, a action) {
				if a.challenge == nil || a.challenge.Method != "token" || !a.owner || !s.MFASent || s.Looks != 0 || s.N != 2 {
					t.Errorf("challenge %+v, owner %v, sent %v, looks %d, N %d", a.challenge, a.owner, s.MFASent, s.Looks, s.N)
				}
			}},
		{name: "mfa challenge already published to the chain's task: still to its waiters", job: mfa, want: actWaitMFA, due: time.Second,
			state: func(s *pollPayload) { s.MFASent = true },
			check: func(t *testing.T, _ pollPayload, a action) {
				if a.challenge == nil || a.owner {
					t.Errorf("challenge %+v, owner %v; want the challenge for the waiters only", a.challenge, a.owner)
				}
			}},
		{name: "completed", job: job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess), want: actComplete},
		{name: "completed past the deadline: the outcome is known", want: actComplete,
			job:   job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess),
			state: func(s *pollPayload) { s.Deadline = now.Add(-time.Second) }},
		{name: "user-side failure", job: failedJob("j-1", "invalid-credentials"), want: actFail,
			check: func(t *testing.T, _ pollPayload, a action) {
				if a.err == nil || a.err.Code != "invalid-credentials" || a.err.Step != sdk.StepVerifyCredentials {
					t.Errorf("err %+v", a.err)
				}
			}},
		{name: "institution-side failure: refresh later", job: failedJob("j-1", "maintenance"), want: actRefresh, due: 2 * time.Minute,
			state: func(s *pollPayload) { s.Retries, s.Deadline = 1, now.Add(time.Hour) },
			check: func(t *testing.T, s pollPayload, a action) {
				if s.Action != actionRefresh || s.N != 2 || a.delay != 2*time.Minute || a.err.Code != "maintenance" {
					t.Errorf("action %q, N %d, delay %v, err %+v", s.Action, s.N, a.delay, a.err)
				}
			}},
		{name: "institution-side failure, out of refreshes", job: failedJob("j-1", "maintenance"), want: actFail,
			state: func(s *pollPayload) { s.Retries, s.Deadline = 3, now.Add(time.Hour) }},
		{name: "institution-side failure, no time left", job: failedJob("j-1", "connector-error"), want: actFail,
			state: func(s *pollPayload) { s.Deadline = now.Add(30 * time.Second) }},
		{name: "institution-side failure, connection unknown", job: noConn, want: actFail,
			state: func(s *pollPayload) { s.Deadline, s.ConnectionID = now.Add(time.Hour), "" }},
		{name: "service-unavailable: Basiq retries it, looked at again in minutes, not refreshed", job: unavail, want: actWaitBasiq,
			due: 5 * time.Minute, state: func(s *pollPayload) { s.Deadline = now.Add(time.Hour) },
			check: func(t *testing.T, s pollPayload, a action) {
				if s.N != 2 || s.Action != actionLook || s.Retries != 0 || a.err.Code != "service-unavailable" {
					t.Errorf("N %d, action %q, retries %d, err %+v; want the same job looked at by poll 2", s.N, s.Action, s.Retries, a.err)
				}
			}},
		{name: "service-unavailable: the last look falls on the deadline", job: unavail, want: actWaitBasiq, due: 2 * time.Minute,
			state: func(s *pollPayload) { s.Deadline = now.Add(2 * time.Minute) }},
		{name: "service-unavailable at the deadline: failed, saying what was done", job: unavail, want: actFail,
			state: func(s *pollPayload) {
				s.Deadline, s.Polls = now, 4
				s.Steps = []tasks.StepObservation{{Title: sdk.StepVerifyCredentials, Status: sdk.StatusFailed, ObservedAt: now.Add(-15 * time.Minute)}}
			},
			check: func(t *testing.T, _ pollPayload, a action) {
				want := "t-service-unavailable"
				if a.err == nil || a.err.Code != "service-unavailable" || a.err.Title != want ||
					!strings.Contains(a.err.Detail, "every 5m0s from 2026-12-01T09:45:00Z (first seen failed) until the task's deadline 2026-12-01T10:00:00Z, 4 looks") {
					t.Errorf("err %+v; want Basiq's code and title, and a detail naming the interval, first failure, deadline and looks", a.err)
				}
			}},
		{name: "service-unavailable with the slow follow off: refreshed as institution-side", job: unavail, want: actRefresh,
			due: time.Minute, rules: func(r *rules) { r.unavailable = 0 }, state: func(s *pollPayload) { s.Deadline = now.Add(time.Hour) }},
		{name: "still running at the deadline", job: running, want: actTimeOut,
			state: func(s *pollPayload) { s.Deadline = now },
			check: func(t *testing.T, _ pollPayload, a action) {
				if a.err == nil || a.err.Code != tasks.CodeTimedOut || a.err.Step != sdk.StepVerifyCredentials {
					t.Errorf("err %+v", a.err)
				}
			}},
		{name: "waiting on mfa at the deadline", job: mfa, want: actTimeOut,
			state: func(s *pollPayload) { s.Deadline = now.Add(-time.Second) }},
	}
	seen := map[pollAction]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pollPayload{V: 1, work: work{TaskID: "tid", UserID: "u-1", InstitutionID: "AU00000", ConnectionID: "c-1"},
				chain: chain{JobID: "j-1", N: 1, Step: sdk.StepVerifyCredentials, StepSince: now.Add(-2 * time.Second),
					LastLook: now.Add(-time.Second), Deadline: now.Add(time.Minute)}}
			if tt.state != nil {
				tt.state(&s)
			}
			rr := r
			if tt.rules != nil {
				tt.rules(&rr)
			}
			got, a := decide(s, tt.job, now, rr)
			seen[a.kind] = true
			if a.kind != tt.want {
				t.Fatalf("action = %v, want %v", a.kind, tt.want)
			}
			if tt.due != 0 && !a.due.Equal(now.Add(tt.due)) {
				t.Errorf("due in %v, want %v", a.due.Sub(now), tt.due)
			}
			if tt.due == 0 && !a.due.IsZero() {
				t.Errorf("due %v, want none", a.due)
			}
			if tt.check != nil {
				tt.check(t, got, a)
			}
		})
	}
	for k := actPoll; k <= actWaitBasiq; k++ {
		if !seen[k] {
			t.Errorf("no case for action %v", k)
		}
	}
}
