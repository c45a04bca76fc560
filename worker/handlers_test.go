package worker

import (
	"encoding/json"
	"errors"
	"github.com/basiq-worker/basiq-worker/internal/sealing"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

func createTask(t *testing.T, kr *tasks.Keyring, user string) *asynq.Task {
	t.Helper()
	sealed, err := (*sealing.Keyring)(kr).SealCredentials(sealing.Credentials{LoginID: "gavinBelson", Password: "hooli2016"}, user)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(wire.CreateConnectionPayload{V: 1, UserID: user, InstitutionID: "AU00000", Credentials: sealed, EnqueuedAt: time.Now()})
	return asynq.NewTask(tasks.TypeCreateConnection, b)
}

func job(id string, statuses ...string) *sdk.Job {
	titles := []string{sdk.StepVerifyCredentials, sdk.StepRetrieveAccounts, sdk.StepRetrieveTransactions}
	j := &sdk.Job{ID: id, Links: sdk.JobLinks{Source: "http://x/users/u-1/connections/c-1"}}
	for i, s := range statuses {
		j.Steps = append(j.Steps, sdk.Step{Title: titles[i], Status: s})
	}
	return j
}

func failedJob(id, code string) *sdk.Job {
	j := job(id, sdk.StatusFailed, sdk.StatusPending, sdk.StatusPending)
	j.Steps[0].Result = &sdk.StepResult{Type: "error", Code: sdk.ErrorCode(code), Title: "t-" + code}
	return j
}

// scheduledPoll is the state handed to the follower for poll id
// (poll:<jobID>:<n>), through it or through the look that scheduled it.
func scheduledPoll(t *testing.T, e *testEnv, id string) pollPayload {
	t.Helper()
	p, ok := e.sched.get(id)
	if !ok {
		t.Fatalf("poll %s not scheduled; have %v", id, e.sched.order)
	}
	return p
}

func TestCreateConnection_startsOnce(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.create = func(string, sdk.Credentials) (*sdk.Job, error) { return job("j-1", sdk.StatusInProgress), nil }
	task := createTask(t, e.kr, "u-1")
	for run := range 2 { // at-least-once delivery: a second run resumes
		if err := e.h.CreateConnection(e.ctx("connection:create:k", run, false), task); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	if got := e.basiq.count("create"); got != 1 {
		t.Errorf("creates = %d, want 1", got)
	}
	p := scheduledPoll(t, e, pollTaskID("j-1", 1))
	if p.TaskID != "connection:create:k" || p.UserID != "u-1" || p.InstitutionID != "AU00000" || p.N != 1 {
		t.Errorf("poll payload = %+v", p)
	}
	if at := e.sched.at[pollTaskID("j-1", 1)]; !at.After(time.Now()) {
		t.Errorf("first poll at %v, want in the future", at)
	}
}

func TestCreateConnection_failures(t *testing.T) {
	readErr := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Err: errors.New("reset")}}
	tests := []struct {
		name      string
		err       error
		last      bool
		wantRetry bool
		wantCode  tasks.ErrorCode // published result's error code, "" for none
	}{
		{"400 permanent", &sdk.Error{StatusCode: 400, Details: []sdk.ErrorDetail{{Code: "parameter-not-valid", Title: "bad"}}}, false, false, "parameter-not-valid"},
		{"503 retried", &sdk.Error{StatusCode: 503}, false, true, ""},
		{"503 last attempt", &sdk.Error{StatusCode: 503}, true, false, "http-503"},
		{"429 retried", &sdk.Error{StatusCode: 429, RetryAfter: 3 * time.Second}, false, true, ""},
		{"lost answer retried", readErr, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.basiq.create = func(string, sdk.Credentials) (*sdk.Job, error) { return nil, tt.err }
			err := e.h.CreateConnection(e.ctx("tid", 0, tt.last), createTask(t, e.kr, "u-1"))
			var re *retryError
			if got := errors.As(err, &re); got != tt.wantRetry {
				t.Fatalf("err = %v, want retry %v", err, tt.wantRetry)
			}
			if !tt.wantRetry && !errors.Is(err, asynq.SkipRetry) {
				t.Errorf("err = %v, want SkipRetry", err)
			}
			r := e.result(t, "tid")
			switch {
			case tt.wantCode == "" && r != nil:
				t.Errorf("result published: %+v", r)
			case tt.wantCode != "" && (r == nil || r.Error == nil || r.Error.Code != tt.wantCode || r.Outcome != tasks.OutcomeFailed):
				t.Errorf("result = %+v, want failed with %s", r, tt.wantCode)
			}
			if re != nil && re.class == classThrottled && re.delay < 3*time.Second {
				t.Errorf("throttled delay %v < Retry-After 3s", re.delay)
			}
		})
	}
}

func TestCreateConnection_badPayload(t *testing.T) {
	e := newTestEnv(t)
	tests := map[string][]byte{
		"not json":    []byte("{"),
		"no version":  []byte(`{"userId":"u"}`),
		"wrong types": []byte(`{"v":1,"userId":5}`),
	}
	for name, payload := range tests {
		t.Run(name, func(t *testing.T) {
			err := e.h.CreateConnection(e.ctx("bad-"+name, 0, false), asynq.NewTask(tasks.TypeCreateConnection, payload))
			if !errors.Is(err, asynq.SkipRetry) {
				t.Fatalf("err = %v, want SkipRetry", err)
			}
			if r := e.result(t, "bad-"+name); r == nil || r.Error.Code != tasks.CodeInvalidPayload {
				t.Errorf("result = %+v, want %s", r, tasks.CodeInvalidPayload)
			}
		})
	}
	if n := e.basiq.count("create"); n != 0 {
		t.Errorf("creates = %d, want 0", n)
	}
}

func TestCreateConnection_wrongKey(t *testing.T) {
	e := newTestEnv(t)
	other := newTestEnv(t)
	err := e.h.CreateConnection(e.ctx("tid", 0, false), createTask(t, other.kr, "u-1"))
	if !errors.Is(err, asynq.SkipRetry) || strings.Contains(err.Error(), "hooli2016") {
		t.Fatalf("err = %v, want SkipRetry without the password", err)
	}
}

// pollOnce runs the look of state p (what schedulePoll hands to the
// follower goes to e.sched) and returns the look's error.
func pollOnce(t *testing.T, e *testEnv, p pollPayload, last bool) error {
	t.Helper()
	return e.h.lookAt(zerolog.Nop().WithContext(t.Context()), p, attempt{taskID: p.pollID(), last: last})
}

func startedPoll(e *testEnv) pollPayload {
	now := time.Now()
	return pollPayload{V: 1,
		work:  work{TaskID: "tid", Kind: tasks.TypeCreateConnection, UserID: "u-1", InstitutionID: "AU00000", StartedAt: now},
		chain: chain{JobID: "j-1", N: 1, Step: sdk.StepVerifyCredentials, StepSince: now, LastLook: now, Deadline: now.Add(time.Minute)}}
}

func TestPollJob(t *testing.T) {
	tests := []struct {
		name        string
		answers     []*sdk.Job
		deadline    time.Duration
		retries     int
		wantNext    string // id of the scheduled follow-up, if any
		wantOutcome tasks.Outcome
		wantCode    tasks.ErrorCode
	}{
		{"running: next poll", []*sdk.Job{job("j-1", sdk.StatusInProgress, sdk.StatusPending)}, time.Minute, 0, pollTaskID("j-1", 2), "", ""},
		{"completed", []*sdk.Job{job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}, time.Minute, 0, "", tasks.OutcomeCompleted, ""},
		{"invalid credentials", []*sdk.Job{failedJob("j-1", "invalid-credentials")}, time.Minute, 0, "", tasks.OutcomeFailed, "invalid-credentials"},
		{"maintenance: refresh later", []*sdk.Job{failedJob("j-1", "maintenance")}, time.Minute, 0, pollTaskID("j-1", 2), "", ""},
		{"maintenance: out of retries", []*sdk.Job{failedJob("j-1", "maintenance")}, time.Minute, 3, "", tasks.OutcomeFailed, "maintenance"},
		{"maintenance: no time left", []*sdk.Job{failedJob("j-1", "maintenance")}, time.Second, 0, "", tasks.OutcomeFailed, "maintenance"},
		{"past deadline", []*sdk.Job{job("j-1", sdk.StatusInProgress)}, -time.Second, 0, "", tasks.OutcomeTimedOut, tasks.CodeTimedOut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.basiq.accounts = []string{"a-1", "a-2"}
			e.basiq.jobs["j-1"] = tt.answers
			p := startedPoll(e)
			p.Deadline, p.Retries = time.Now().Add(tt.deadline), tt.retries
			err := pollOnce(t, e, p, false)
			if tt.wantOutcome == "" || tt.wantOutcome == tasks.OutcomeCompleted {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			} else if !errors.Is(err, asynq.SkipRetry) {
				t.Fatalf("err = %v, want SkipRetry", err)
			}
			if tt.wantNext != "" {
				scheduledPoll(t, e, tt.wantNext)
			} else if len(e.sched.order) > 0 {
				t.Errorf("scheduled %v, want nothing", e.sched.order)
			}
			r := e.result(t, "tid")
			if tt.wantOutcome == "" {
				if r != nil {
					t.Errorf("result published: %+v", r)
				}
				return
			}
			if r == nil || r.Outcome != tt.wantOutcome || r.JobID != "j-1" || r.Polls != 1 || r.ConnectionID != "c-1" {
				t.Fatalf("result = %+v, want %s for j-1 after 1 poll on c-1", r, tt.wantOutcome)
			}
			if tt.wantCode != "" && (r.Error == nil || r.Error.Code != tt.wantCode) {
				t.Errorf("error = %+v, want %s", r.Error, tt.wantCode)
			}
			if tt.wantOutcome == tasks.OutcomeCompleted && len(r.Accounts) != 2 {
				t.Errorf("accounts = %v, want 2", r.Accounts)
			}
		})
	}
}

func TestPollJob_publishesOnce(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.jobs["j-1"] = []*sdk.Job{job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}
	p := startedPoll(e)
	for range 2 {
		if err := pollOnce(t, e, p, false); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.rdb.XLen(t.Context(), wire.ResultsStreamKey("t")).Result()
	if err != nil || n != 1 {
		t.Errorf("stream length = %d, %v; want 1", n, err)
	}
}

func TestPollJob_maintenanceThenRefresh(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.jobs["j-1"] = []*sdk.Job{failedJob("j-1", "maintenance")}
	e.basiq.jobs["j-2"] = []*sdk.Job{job("j-2", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}
	e.basiq.refresh = func(string, string) (*sdk.Job, error) { return job("j-2", sdk.StatusInProgress), nil }
	if err := pollOnce(t, e, startedPoll(e), false); err != nil {
		t.Fatal(err)
	}
	refresh := scheduledPoll(t, e, pollTaskID("j-1", 2))
	if refresh.Action != actionRefresh {
		t.Fatalf("action = %q, want refresh", refresh.Action)
	}
	if at := e.sched.at[pollTaskID("j-1", 2)]; time.Until(at) < time.Second {
		t.Errorf("refresh due in %v, want >= StepRetryDelay", time.Until(at))
	}
	if err := pollOnce(t, e, refresh, false); err != nil {
		t.Fatal(err)
	}
	next := scheduledPoll(t, e, pollTaskID("j-2", 1))
	if next.Retries != 1 || next.Polls != 1 || len(next.Steps) != 0 {
		t.Errorf("next = %+v", next)
	}
	if err := pollOnce(t, e, next, false); err != nil {
		t.Fatal(err)
	}
	if r := e.result(t, "tid"); r == nil || r.Outcome != tasks.OutcomeCompleted || r.JobID != "j-2" || r.Polls != 2 {
		t.Errorf("result = %+v, want completed j-2 after 2 polls", r)
	}
}

func TestPollJob_transientErrors(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.jobErr = &sdk.Error{StatusCode: 502}
	if err := pollOnce(t, e, startedPoll(e), false); !errors.As(err, new(*retryError)) {
		t.Fatalf("err = %v, want a retry", err)
	}
	if err := pollOnce(t, e, startedPoll(e), true); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("last attempt: err = %v, want SkipRetry", err)
	}
	if r := e.result(t, "tid"); r == nil || r.Outcome != tasks.OutcomeFailed {
		t.Errorf("result = %+v, want failed", r)
	}
}

func TestPollJob_mfa(t *testing.T) {
	e := newTestEnv(t)
	mfa := &sdk.Job{ID: "j-1", Steps: []sdk.Step{
		{Title: sdk.StepVerifyCredentials, Status: sdk.StatusSuccess},
		{Title: sdk.StepMFAChallenge, Status: sdk.StatusInProgress, Result: &sdk.StepResult{Type: "mfa", Method: "token", Description: "Enter the code", Input: []string{"code"}, ExpiryMs: 60000}},
		{Title: sdk.StepRetrieveAccounts, Status: sdk.StatusPending},
	}}
	e.basiq.jobs["j-1"] = []*sdk.Job{mfa}
	p := startedPoll(e)
	for range 3 {
		if err := pollOnce(t, e, p, false); err != nil {
			t.Fatal(err)
		}
		p = scheduledPoll(t, e, pollTaskID("j-1", p.N+1))
	}
	if !p.MFASent {
		t.Error("MFASent not carried")
	}
	msgs, err := e.rdb.XRange(t.Context(), wire.ResultsStreamKey("t"), "-", "+").Result()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("stream = %d entries, %v; want 1 mfa event", len(msgs), err)
	}
	if ev := msgs[0].Values["event"].(string); !strings.Contains(ev, `"mfa_required"`) || !strings.Contains(ev, "Enter the code") {
		t.Errorf("event = %s", ev)
	}
}

func TestAnswerMFA(t *testing.T) {
	e := newTestEnv(t)
	sealed, _ := (*sealing.Keyring)(e.kr).SealMFAAnswers([]string{"1234"}, "u-1", "j-1")
	b, _ := json.Marshal(wire.AnswerMFAPayload{V: 1, UserID: "u-1", JobID: "j-1", Answers: sealed})
	task := asynq.NewTask(tasks.TypeAnswerMFA, b)
	for range 2 {
		if err := e.h.AnswerMFA(e.ctx("mfa-1", 0, false), task); err != nil {
			t.Fatal(err)
		}
	}
	if len(e.basiq.mfa) != 1 || len(e.basiq.mfa[0]) != 1 || e.basiq.mfa[0][0] != "1234" {
		t.Errorf("answers sent = %v, want [[1234]] once", e.basiq.mfa)
	}
}

// TestAnswerMFA_otherJob: answers sealed for one job of a user, replayed
// in a task for another job of the same user, are not opened nor sent.
func TestAnswerMFA_otherJob(t *testing.T) {
	e := newTestEnv(t)
	sealed, _ := (*sealing.Keyring)(e.kr).SealMFAAnswers([]string{"1234"}, "u-1", "j-1")
	b, _ := json.Marshal(wire.AnswerMFAPayload{V: 1, UserID: "u-1", JobID: "j-2", Answers: sealed})
	err := e.h.AnswerMFA(e.ctx("mfa-2", 0, false), asynq.NewTask(tasks.TypeAnswerMFA, b))
	if !errors.Is(err, asynq.SkipRetry) || strings.Contains(err.Error(), "1234") {
		t.Fatalf("err = %v, want SkipRetry without the answer", err)
	}
	if len(e.basiq.mfa) != 0 {
		t.Errorf("answers sent = %v, want none", e.basiq.mfa)
	}
}

func TestRefreshAll_fansOut(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.refresh = func(_, conn string) (*sdk.Job, error) { return job("j-"+conn, sdk.StatusInProgress), nil }
	b, _ := json.Marshal(wire.RefreshAllPayload{V: 1, UserID: "u-1"})
	if err := e.h.RefreshAll(e.ctx("ra", 0, false), asynq.NewTask(tasks.TypeRefreshAll, b)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{pollTaskID("j-c-1", 1), pollTaskID("j-c-2", 1)} {
		if p := scheduledPoll(t, e, id); p.TaskID != "ra" || p.Kind != tasks.TypeRefreshAll {
			t.Errorf("%s: payload %+v", id, p)
		}
	}
}
