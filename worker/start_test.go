package worker

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/basiq-worker/basiq-worker/internal/sealing"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
)

func TestDecideStart(t *testing.T) {
	now := time.Now()
	sending, started := startRecord{State: stateSending}, startRecord{State: stateStarted, Jobs: []string{"j"}}
	tests := []struct {
		name     string
		rec      startRecord
		resend   bool
		deadline time.Time
		want     startAction
	}{
		{"new", startRecord{}, false, now.Add(time.Minute), startSend},
		{"new, no deadline", startRecord{}, false, time.Time{}, startSend},
		{"new, past deadline", startRecord{}, false, now.Add(-time.Second), startExpired},
		{"new, at deadline", startRecord{}, false, now, startExpired},
		{"started, past deadline: follow", started, false, now.Add(-time.Second), startResume},
		{"create answer lost", sending, false, now.Add(time.Minute), startUnknown},
		{"create answer lost, past deadline", sending, false, now.Add(-time.Second), startUnknown},
		{"refresh answer lost: send again", sending, true, now.Add(time.Minute), startSend},
		{"refresh answer lost, past deadline", sending, true, now.Add(-time.Second), startExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decideStart(tt.rec, tt.resend, now, tt.deadline); got != tt.want {
				t.Errorf("decideStart = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestCreateConnection_deadlinePassedInQueue: a create whose deadline
// passed while it waited in the queue is not sent; its result says so.
func TestCreateConnection_deadlinePassedInQueue(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.create = func(string, sdk.Credentials) (*sdk.Job, error) { return job("j-1", sdk.StatusInProgress), nil }
	sealed, err := (*sealing.Keyring)(e.kr).SealCredentials(sealing.Credentials{LoginID: "gavinBelson", Password: "hooli2016"}, "u-1")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(-time.Second)
	b, _ := json.Marshal(wire.CreateConnectionPayload{V: 1, UserID: "u-1", InstitutionID: "AU00000", Credentials: sealed,
		Deadline: deadline, EnqueuedAt: deadline.Add(-time.Minute)})
	err = e.h.CreateConnection(e.ctx("tid", 0, false), asynq.NewTask(tasks.TypeCreateConnection, b))
	if !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("err = %v, want SkipRetry", err)
	}
	if n := e.basiq.count("create"); n != 0 {
		t.Errorf("creates = %d, want 0: sent past its deadline", n)
	}
	r := e.result(t, "tid")
	if r == nil || r.Outcome != tasks.OutcomeTimedOut || r.Error == nil || r.Error.Code != tasks.CodeExpiredBeforeSend || r.JobID != "" {
		t.Fatalf("result = %+v, want timed_out %s without a job", r, tasks.CodeExpiredBeforeSend)
	}
	if n := len(e.sched.order); n != 0 {
		t.Errorf("scheduled %v, want nothing", e.sched.order)
	}
	// Nothing was sent, so no "sending" record may say otherwise to a re-run.
	if rec, err := e.h.loadStart(t.Context(), e.h.startKey("tid")); err != nil || rec.State != "" {
		t.Errorf("start record = %+v, %v; want none", rec, err)
	}
}

// TestCreateConnection_startRecordSecondRun: a first run reads the start
// record and writes "sending" in one command; a second run of the same
// task finds "started" and sends nothing again.
func TestCreateConnection_startRecordSecondRun(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.create = func(string, sdk.Credentials) (*sdk.Job, error) { return job("j-1", sdk.StatusInProgress), nil }
	sealed, err := (*sealing.Keyring)(e.kr).SealCredentials(sealing.Credentials{LoginID: "gavinBelson", Password: "hooli2016"}, "u-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(wire.CreateConnectionPayload{V: 1, UserID: "u-1", InstitutionID: "AU00000", Credentials: sealed,
		Deadline: time.Now().Add(time.Hour), EnqueuedAt: time.Now()})
	for run := range 2 {
		if err := e.h.CreateConnection(e.ctx("tid", run, false), asynq.NewTask(tasks.TypeCreateConnection, b)); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		rec, err := e.h.loadStart(t.Context(), e.h.startKey("tid"))
		if err != nil || rec.State != stateStarted || len(rec.Jobs) != 1 || rec.Jobs[0] != "j-1" {
			t.Fatalf("run %d: start record = %+v, %v; want started with j-1", run, rec, err)
		}
	}
	if n := e.basiq.count("create"); n != 1 {
		t.Errorf("creates = %d, want 1", n)
	}
}

// outageTokens is a token store whose first refresh lock takes Redis
// down for a moment (as a Redis restart would, for the worker's
// tokenStore) and fails.
type outageTokens struct {
	mu    sync.Mutex
	locks int
	down  func()
	tok   *sdk.Token
}

func (s *outageTokens) Lock(context.Context) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locks++; s.locks == 1 {
		s.down()
		return nil, errors.New("token lock: connection refused")
	}
	return func() {}, nil
}

func (s *outageTokens) Load(context.Context) (sdk.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil {
		return sdk.Token{}, sdk.ErrNoToken
	}
	return *s.tok, nil
}

func (s *outageTokens) Save(_ context.Context, t sdk.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok = &t
	return nil
}

// TestCreateConnection_tokenFetchFailed: a create whose token fetch
// failed (Redis down for a moment) sent nothing; the next run sends it,
// rather than reporting an unknown outcome.
func TestCreateConnection_tokenFetchFailed(t *testing.T) {
	e := newTestEnv(t)
	srv := basiqtest.NewServer()
	t.Cleanup(srv.Close)
	app, err := sdk.New("k", sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("2.0"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := app.Users.Create(t.Context(), sdk.UserParams{Email: "gavin@hooli.com"})
	if err != nil {
		t.Fatal(err)
	}
	var restarted sync.WaitGroup
	store := &outageTokens{down: func() {
		e.mr.Close()
		restarted.Go(func() {
			time.Sleep(2 * time.Second) // a restart: longer than go-redis's own retries
			if err := e.mr.Restart(); err != nil {
				t.Error(err)
			}
		})
	}}
	c, err := sdk.New("k", sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("2.0"), sdk.WithTokenStore(store),
		sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	e.h.basiq = NewBasiq(c)
	task := createTask(t, e.kr, u.ID)
	err = e.h.CreateConnection(e.ctx("tid", 0, false), task)
	restarted.Wait()
	if !errors.As(err, new(*retryError)) {
		t.Fatalf("first run: %v, want a retry", err)
	}
	if n := srv.Stats().Requests["POST /users/{uid}/connections"]; len(n) != 0 {
		t.Fatalf("creates answered %v, want none: the token fetch failed", n)
	}
	if err := e.h.CreateConnection(e.ctx("tid", 1, false), task); err != nil {
		t.Fatalf("second run: %v, want the create sent", err)
	}
	if r := e.result(t, "tid"); r != nil {
		t.Errorf("result = %+v (error %+v), want none yet", r, r.Error)
	}
	if len(e.sched.order) != 1 {
		t.Errorf("scheduled %v, want the first poll", e.sched.order)
	}
}

// TestCreateConnection_jobIDKeptThroughRedisRestart: Basiq answered the
// create with its job while Redis was restarting; the handler keeps the
// job id and saves it once Redis is back, then follows the job.
func TestCreateConnection_jobIDKeptThroughRedisRestart(t *testing.T) {
	e := newTestEnv(t)
	var restarted sync.WaitGroup
	e.basiq.create = func(string, sdk.Credentials) (*sdk.Job, error) {
		e.mr.Close()
		restarted.Go(func() {
			time.Sleep(2 * time.Second) // a restart: longer than go-redis's own retries
			if err := e.mr.Restart(); err != nil {
				t.Error(err)
			}
		})
		return job("j-1", sdk.StatusInProgress), nil
	}
	err := e.h.CreateConnection(e.ctx("tid", 0, false), createTask(t, e.kr, "u-1"))
	restarted.Wait()
	if err != nil {
		t.Fatalf("err = %v, want the job followed", err)
	}
	rec, err := e.h.loadStart(t.Context(), e.h.startKey("tid"))
	if err != nil || rec.State != stateStarted || len(rec.Jobs) != 1 || rec.Jobs[0] != "j-1" {
		t.Fatalf("start record = %+v, %v; want started with j-1", rec, err)
	}
	scheduledPoll(t, e, pollTaskID("j-1", 1))
	if n := e.basiq.count("create"); n != 1 {
		t.Errorf("creates = %d, want 1", n)
	}
}
