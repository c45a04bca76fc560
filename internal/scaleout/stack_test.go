package scaleout

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/internal/app"
	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/admin"
	"github.com/basiq-worker/basiq-worker/worker/schedule"
	"github.com/basiq-worker/basiq-worker/worker/webhook"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// stack is worker processes and an application on one REDIS_URL, against
// a fake Basiq with short steps, configured through the environment
// variables basiq-worker reads (config.LoadWorker, config.LoadClient).
type stack struct {
	t      testing.TB
	env    map[string]string
	ns     string
	queues []string
	fake   *basiqtest.Server
	app    redis.UniversalClient
	client *tasks.Client
	// enqueueErrors counts failed enqueues that were retried.
	enqueueErrors atomic.Int64
	mu            sync.Mutex
	procs         []*proc
	seen          map[string]time.Time // when results() first saw a task's result
}

// proc is one worker process (internal/app) of the stack, in this test process.
type proc struct {
	rdb    redis.UniversalClient
	admin  string // host:port of the admin server
	log    *syncbuf.Buffer
	cancel context.CancelFunc
	done   chan error
}

// slowSteps makes each job last about 3s, so that a failover or a kill
// 700ms into a run finds jobs at every stage.
var slowSteps = basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: time.Second, Accounts: time.Second, Transactions: time.Second})

// newStack returns a stack on redisURL whose tasks spread over queues.
func newStack(t testing.TB, redisURL string, queues []string, fakeOpts ...basiqtest.Option) *stack {
	t.Helper()
	key := make([]byte, tasks.KeySize)
	rand.Read(key)
	s := &stack{t: t, ns: testredis.Name(t, "so"), queues: queues, seen: map[string]time.Time{}}
	steps := basiqtest.StepDurations{Credentials: 100 * time.Millisecond, Accounts: 100 * time.Millisecond, Transactions: 100 * time.Millisecond}
	s.fake = basiqtest.NewServer(append([]basiqtest.Option{basiqtest.WithStepDurations(steps)}, fakeOpts...)...)
	t.Cleanup(s.fake.Close)
	weights := make([]string, len(queues))
	for i, q := range queues {
		weights[i] = q + ":1"
	}
	s.env = map[string]string{
		"REDIS_URL": redisURL, "REDIS_NAMESPACE": s.ns, "BASIQ_API_KEY": "scaleout-key", "BASIQ_BASE_URL": s.fake.URL,
		"BASIQ_SECRET_KEY": "k1:" + base64.StdEncoding.EncodeToString(key), "WORKER_QUEUES": strings.Join(weights, ","),
		"WORKER_CONCURRENCY": "16", "POLL_INITIAL_DELAY": "100ms", "POLL_MAX_DELAY": "500ms",
		"DELAYED_TASK_CHECK_INTERVAL": "100ms", "TASK_CHECK_INTERVAL": "50ms", "WORKER_SHUTDOWN_TIMEOUT": "2s",
		"HTTP_ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn", "UI_READONLY": "true", "BASIQ_API_VERSION": "2.0",
		// Schedules tick every second here: no minimum interval between
		// a connection's scheduled refreshes (default 1h).
		"REFRESH_MIN_INTERVAL": "0",
	}
	cc, err := config.LoadClient(func(k string) string { return s.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	kr, err := cc.Keyring()
	if err != nil {
		t.Fatal(err)
	}
	s.app = cc.RedisClient()
	s.client = tasks.NewClient(s.app, kr, tasks.WithNamespace(s.ns), tasks.WithDefaultQueue(queues[0]), cc.WaitOption())
	t.Cleanup(func() {
		s.stopAll()
		s.app.Close()
	})
	return s
}

func (s *stack) lookup(extra map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		if v, ok := extra[k]; ok {
			return v, true
		}
		v, ok := s.env[k]
		return v, ok
	}
}

// startWorker starts a worker process as basiq-worker wires it, with
// extra variables over the stack's.
func (s *stack) startWorker(extra map[string]string) *proc {
	s.t.Helper()
	cfg, err := config.LoadWorker(s.lookup(extra))
	if err != nil {
		s.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		s.t.Fatal(err)
	}
	secret, err := cfg.WebhookSecretBytes()
	if err != nil {
		s.t.Fatal(err)
	}
	p := &proc{rdb: cfg.RedisClient(), admin: ln.Addr().String(), log: &syncbuf.Buffer{}, done: make(chan error, 1)}
	log := zerolog.New(p.log).Level(cfg.ZerologLevel()).With().Timestamp().Logger()
	ap, err := app.New(app.Options{Redis: p.rdb, Worker: cfg.Config, Logger: log, Listener: ln,
		Admin:    admin.Options{UIEnabled: cfg.UIEnabled, UIPath: cfg.UIPath, UIReadOnly: cfg.UIReadOnly},
		Webhook:  webhook.Options{URL: cfg.WebhookURL, Secret: secret},
		Schedule: schedule.Options{SyncInterval: time.Second}})
	if err != nil {
		ln.Close()
		p.rdb.Close()
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() { p.done <- ap.Run(ctx) }()
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	return p
}

// stop stops p and returns Run's error.
func (p *proc) stop() error {
	p.cancel()
	var err error
	select {
	case err = <-p.done:
	case <-time.After(20 * time.Second):
		err = fmt.Errorf("worker did not stop within 20s")
	}
	p.rdb.Close()
	return err
}

func (s *stack) stopAll() {
	s.mu.Lock()
	procs := s.procs
	s.procs = nil
	s.mu.Unlock()
	for _, p := range procs {
		if err := p.stop(); err != nil {
			s.t.Errorf("worker: %v", err)
		}
	}
}

// logs are the worker processes' log lines so far.
func (s *stack) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, p := range s.procs {
		b.WriteString(p.log.String())
	}
	return b.String()
}

// users creates n users at the fake Basiq.
func (s *stack) users(ctx context.Context, n int) []string {
	s.t.Helper()
	c, err := sdk.New("scaleout-key", sdk.WithBaseURL(s.fake.URL), sdk.WithAPIVersion("2.0"))
	if err != nil {
		s.t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		u, err := c.Users.Create(ctx, sdk.UserParams{Email: fmt.Sprintf("so%d@example.com", i)})
		if err != nil {
			s.t.Fatal(err)
		}
		ids[i] = u.ID
	}
	return ids
}

// create enqueues a connection create for user on queue, as an app does:
// with an idempotency key, retried while Redis fails (a failover), for up
// to 30s.
func (s *stack) create(ctx context.Context, user, queue, key string) (string, error) {
	req := tasks.CreateConnection{UserID: user, InstitutionID: "AU00000",
		Credentials: tasks.Credentials{LoginID: "gavinBelson", Password: "hooli2016"}}
	var err error
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		var id string
		if id, err = s.client.CreateConnection(ctx, req, tasks.Enqueue{Queue: queue, IdempotencyKey: key}); err == nil {
			return id, nil
		}
		s.enqueueErrors.Add(1)
	}
	return "", fmt.Errorf("enqueue %s: %w", key, err)
}

// key is the idempotency key of the create of user i.
func (s *stack) key(i int) string { return fmt.Sprintf("%s-%d", s.ns, i) }

// taskIDs are the task ids createAll returns for n users, known before.
func (s *stack) taskIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = wire.TaskID(tasks.TypeCreateConnection, s.key(i))
	}
	return ids
}

// collect runs results in the background from now, so that the time each
// result first appears is recorded; wait returns them.
func (s *stack) collect(ctx context.Context, n int, within, settle time.Duration) (wait func() map[string][]tasks.Result) {
	ch := make(chan map[string][]tasks.Result, 1)
	go func() { ch <- s.results(ctx, s.taskIDs(n), within, settle) }()
	return func() map[string][]tasks.Result { return <-ch }
}

// createAll enqueues a create for each user, spread over the queues, from
// a few goroutines, and returns the task ids.
func (s *stack) createAll(ctx context.Context, users []string) []string {
	s.t.Helper()
	ids := make([]string, len(users))
	var wg sync.WaitGroup
	errs := make(chan error, len(users))
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(users); i = int(next.Add(1) - 1) {
				id, err := s.create(ctx, users[i], s.queues[i%len(s.queues)], s.key(i))
				if err != nil {
					errs <- err
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.t.Fatal(err)
	}
	return ids
}

// results reads the results stream from its start until every id has a
// result or within has passed, then once more after settle (to see late
// duplicates), and returns the results of each task id.
func (s *stack) results(ctx context.Context, ids []string, within, settle time.Duration) map[string][]tasks.Result {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var got map[string][]tasks.Result
	for end := time.Now().Add(within); ; time.Sleep(200 * time.Millisecond) {
		got = s.readResults(ctx)
		s.mu.Lock()
		for id := range got {
			if _, ok := s.seen[id]; !ok && want[id] {
				s.seen[id] = time.Now()
			}
		}
		s.mu.Unlock()
		if all(got, want) || time.Now().After(end) {
			break
		}
	}
	time.Sleep(settle)
	return s.readResults(ctx)
}

// lastSeen is when results() first saw the last of the results it saw.
func (s *stack) lastSeen() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last time.Time
	for _, at := range s.seen {
		if at.After(last) {
			last = at
		}
	}
	return last
}

// seenAfter counts the results results() first saw after t.
func (s *stack) seenAfter(t time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, at := range s.seen {
		if at.After(t) {
			n++
		}
	}
	return n
}

func all(got map[string][]tasks.Result, want map[string]bool) bool {
	for id := range want {
		if len(got[id]) == 0 {
			return false
		}
	}
	return true
}

// readResults reads the whole results stream (a Redis error is retried:
// the stream is read during failovers).
func (s *stack) readResults(ctx context.Context) map[string][]tasks.Result {
	sub := tasks.NewClient(s.app, nil, tasks.WithNamespace(s.ns))
	got := map[string][]tasks.Result{}
	end := time.Now().Add(30 * time.Second)
	for after := "0"; ; {
		events, err := sub.ReadResults(ctx, after, 1000, 0)
		if err != nil && time.Now().Before(end) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			s.t.Errorf("results stream: %v", err)
			return got
		}
		if len(events) == 0 {
			return got
		}
		for _, e := range events {
			if e.Type == tasks.EventResult {
				got[e.Result.TaskID] = append(got[e.Result.TaskID], *e.Result)
			}
		}
		after = events[len(events)-1].StreamID
	}
}

// checkExactlyOnce fails t unless every id has exactly one result, and it
// completed, and Basiq saw exactly one connection per user.
func (s *stack) checkExactlyOnce(t testing.TB, ids []string, got map[string][]tasks.Result) {
	t.Helper()
	lost, dup, failed := 0, 0, 0
	for _, id := range ids {
		switch rs := got[id]; {
		case len(rs) == 0:
			lost++
			if lost <= 5 {
				t.Errorf("task %s: no result", id)
			}
		case len(rs) > 1:
			dup++
			if dup <= 5 {
				t.Errorf("task %s: %d results: %+v", id, len(rs), rs)
			}
		case rs[0].Outcome != tasks.OutcomeCompleted:
			failed++
			if failed <= 5 {
				t.Errorf("task %s: outcome %s (%+v)", id, rs[0].Outcome, rs[0].Error)
			}
		}
	}
	if lost+dup+failed > 0 {
		t.Errorf("%d tasks: %d without a result, %d with more than one, %d not completed", len(ids), lost, dup, failed)
	}
	perUser := map[string]int{}
	for _, j := range s.fake.Stats().Jobs {
		perUser[j.UserID]++
	}
	for u, n := range perUser {
		if n != 1 {
			t.Errorf("user %s: Basiq ran %d connection jobs, want 1", u, n)
		}
	}
}
