package worker

import (
	"context"
	"errors"
	"github.com/basiq-worker/basiq-worker/internal/testkeyring"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// fakeBasiq is a scripted Basiq.
type fakeBasiq struct {
	mu        sync.Mutex
	calls     map[string]int
	create    func(userID string, cr sdk.Credentials) (*sdk.Job, error)
	refresh   func(userID, connID string) (*sdk.Job, error)
	jobs      map[string][]*sdk.Job // answers of GET /jobs/{id}, the last one repeats
	jobErr    error
	accounts  []string
	mfa       [][]string
	mfaErr    error
	durations map[string]time.Duration
	conns     []*sdk.Connection     // answer of Connections
	connJobs  map[string][]*sdk.Job // answers of ConnectionJobs by connection
	listErr   error                 // error of Connections
}

func newFakeBasiq() *fakeBasiq {
	return &fakeBasiq{calls: map[string]int{}, jobs: map[string][]*sdk.Job{}}
}

func (f *fakeBasiq) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeBasiq) inc(name string) {
	f.mu.Lock()
	f.calls[name]++
	f.mu.Unlock()
}

func (f *fakeBasiq) CreateConnection(_ context.Context, userID string, cr sdk.Credentials) (*sdk.Job, error) {
	f.inc("create")
	return f.create(userID, cr)
}

func (f *fakeBasiq) UpdateConnection(_ context.Context, userID, _ string, cr sdk.Credentials) (*sdk.Job, error) {
	f.inc("update")
	return f.create(userID, cr)
}

func (f *fakeBasiq) RefreshConnection(_ context.Context, userID, connID string) (*sdk.Job, error) {
	f.inc("refresh")
	return f.refresh(userID, connID)
}

func (f *fakeBasiq) RefreshAll(_ context.Context, userID string) ([]*sdk.Job, error) {
	f.inc("refresh-all")
	a, _ := f.refresh(userID, "c-1")
	b, _ := f.refresh(userID, "c-2")
	return []*sdk.Job{a, b}, nil
}

func (f *fakeBasiq) Job(_ context.Context, id string) (*sdk.Job, error) {
	f.inc("job")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.jobErr != nil {
		return nil, f.jobErr
	}
	seq := f.jobs[id]
	if len(seq) == 0 {
		return nil, &sdk.Error{StatusCode: 404, Details: []sdk.ErrorDetail{{Code: "resource-not-found"}}}
	}
	j := seq[0]
	if len(seq) > 1 {
		f.jobs[id] = seq[1:]
	}
	return j, nil
}

func (f *fakeBasiq) SubmitMFA(_ context.Context, _, _ string, answers ...string) error {
	f.inc("mfa")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mfa = append(f.mfa, answers)
	return f.mfaErr
}

func (f *fakeBasiq) AccountIDs(context.Context, string, string) ([]string, error) {
	f.inc("accounts")
	return f.accounts, nil
}

func (f *fakeBasiq) Connections(context.Context, string) ([]*sdk.Connection, error) {
	f.inc("connections")
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns, f.listErr
}

func (f *fakeBasiq) ConnectionJobs(_ context.Context, _, connID string) ([]*sdk.Job, error) {
	f.inc("connection-jobs")
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connJobs[connID], nil
}

func (f *fakeBasiq) Consents(context.Context, string) ([]*sdk.Consent, error) {
	f.inc("consents")
	return nil, nil
}

func (f *fakeBasiq) DeleteConnection(context.Context, string, string) error {
	f.inc("delete-connection")
	return nil
}

func (f *fakeBasiq) StepDurations(context.Context, string) (map[string]time.Duration, error) {
	f.inc("institution")
	if f.durations == nil {
		return nil, errors.New("no stats")
	}
	return f.durations, nil
}

// fakeEnqueuer records follow-up tasks and refuses duplicate ids like asynq.
type fakeEnqueuer struct {
	mu    sync.Mutex
	tasks map[string]*asynq.Task
	at    map[string]time.Time
	order []string
}

func (e *fakeEnqueuer) EnqueueContext(_ context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var id string
	var at time.Time
	for _, o := range opts {
		switch o.Type() {
		case asynq.TaskIDOpt:
			id = o.Value().(string)
		case asynq.ProcessAtOpt:
			at = o.Value().(time.Time)
		}
	}
	if _, dup := e.tasks[id]; dup {
		return nil, asynq.ErrTaskIDConflict
	}
	e.tasks[id], e.at[id] = t, at
	e.order = append(e.order, id)
	return &asynq.TaskInfo{ID: id}, nil
}

func (e *fakeEnqueuer) get(id string) *asynq.Task {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tasks[id]
}

// fakeScheduler records the chains handed to the follower, by poll id
// (poll:<jobID>:<n>), in order.
type fakeScheduler struct {
	mu    sync.Mutex
	polls map[string]pollPayload
	at    map[string]time.Time
	order []string
}

// admit never holds: the fake has no looks to run first.
func (*fakeScheduler) admit(context.Context) {}

func (s *fakeScheduler) add(_ context.Context, p pollPayload, due time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := p.pollID()
	if _, dup := s.polls[id]; dup {
		return nil
	}
	s.polls[id], s.at[id] = p, due
	s.order = append(s.order, id)
	return nil
}

func (s *fakeScheduler) get(id string) (pollPayload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.polls[id]
	return p, ok
}

type testEnv struct {
	h     *handlers
	basiq *fakeBasiq
	enq   *fakeEnqueuer
	sched *fakeScheduler
	rdb   *redis.Client
	mr    *miniredis.Miniredis
	kr    *tasks.Keyring
	sub   *tasks.Client
	ran   map[string]bool // polls run by runPolls
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	e := newTestEnvOn(t, rdb, "t")
	e.mr = mr
	return e
}

// newTestEnvOn is a testEnv on rdb, with its keys under namespace ns.
func newTestEnvOn(t *testing.T, rdb *redis.Client, ns string) *testEnv {
	t.Helper()
	kr := testkeyring.New(t)
	fb := newFakeBasiq()
	cfg, err := Config{Redis: rdb, Basiq: fb, Keyring: kr, Namespace: ns, APIVersion: "2.0", StepRetryDelay: 2 * time.Second,
		Policy: PollPolicy{Initial: time.Second, Factor: 2, Max: 8 * time.Second}, Logger: zerolog.New(zerolog.NewTestWriter(t))}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	enq := &fakeEnqueuer{tasks: map[string]*asynq.Task{}, at: map[string]time.Time{}}
	h := newHandlers(cfg, enq)
	sched := &fakeScheduler{polls: map[string]pollPayload{}, at: map[string]time.Time{}}
	h.rnd, h.sched = func() float64 { return 0.5 }, sched
	return &testEnv{h: h, basiq: fb, enq: enq, sched: sched, rdb: rdb, kr: kr, sub: tasks.NewClient(rdb, nil, tasks.WithNamespace(ns)), ran: map[string]bool{}}
}

// ctx is a handler context for delivery retry of task id.
func (e *testEnv) ctx(id string, retry int, last bool) context.Context {
	ctx := context.WithValue(context.Background(), attemptKey{}, attempt{taskID: id, queue: "q", retry: retry, last: last})
	return zerolog.Nop().WithContext(ctx)
}

func (e *testEnv) result(t *testing.T, taskID string) *tasks.Result {
	t.Helper()
	r, err := e.sub.Result(context.Background(), taskID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
