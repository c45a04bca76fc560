package worker

// Crash tests with real processes: a redis-server of the test's own that
// is killed and restarted while creates are in flight, and worker
// processes (this test binary re-executed, see TestMain) killed with
// SIGKILL in the middle of their POSTs to Basiq. Each runs 1,000 creates,
// a user and bank each (a lost create is matched at Basiq by user and
// bank), and counts results per task, duplicates, outcome-unknown and
// resent creates.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// crashChildEnv, in the environment, makes the test binary a worker
// process (crashChild) instead of running the tests.
const crashChildEnv = "WORKER_CRASH_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashChildEnv); spec != "" {
		os.Exit(crashChild(spec))
	}
	os.Exit(m.Run())
}

// crashSpec is what a worker process of a crash test is told.
type crashSpec struct {
	Redis, Namespace, Queue, BasiqURL, Key string
}

// crashChild runs a worker until SIGTERM (or SIGKILL, the point).
func crashChild(spec string) int {
	var s crashSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	key, _ := hex.DecodeString(s.Key)
	kr, err := tasks.NewKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Redis})
	w, err := crashWorker(s, rdb, kr, zerolog.New(os.Stderr).Level(zerolog.WarnLevel).With().Timestamp().Logger())
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := w.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	return 0
}

// crashWorker is the worker of a crash test, in a child or in the test
// process: short polls and asynq intervals, a reconcile after 2 s (a call
// takes at most 10 s, the fake's latency 150 ms).
func crashWorker(s crashSpec, rdb *redis.Client, kr *tasks.Keyring, log zerolog.Logger) (*Worker, error) {
	api, err := NewClient(ClientOptions{APIKey: "worker-key", BaseURL: s.BasiqURL, APIVersion: "2.0", Redis: rdb,
		Namespace: s.Namespace, Keyring: kr, Concurrency: 16, Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	return New(Config{
		Redis: rdb, Namespace: s.Namespace, Basiq: NewBasiq(api), APIVersion: "2.0",
		Keyring: kr, Concurrency: 16, Queues: map[string]int{s.Queue: 1},
		Policy:      PollPolicy{Initial: 200 * time.Millisecond, Factor: 1.5, Max: time.Second, Jitter: 0.1},
		JobDeadline: 3 * time.Minute, StepRetryDelay: 200 * time.Millisecond, ReconcileAfter: 2 * time.Second,
		DelayedTaskCheckInterval: 100 * time.Millisecond, TaskCheckInterval: 100 * time.Millisecond,
		ShutdownTimeout: time.Second, ResultRetention: time.Hour, Logger: log,
	})
}

// crashRig is a crash test's Redis handles, fake Basiq and application.
type crashRig struct {
	t        *testing.T
	spec     crashSpec
	rdb      *redis.Client
	kr       *tasks.Keyring
	srv      *basiqtest.Server
	inflight atomic.Int32 // POST /users/{id}/connections being served
	client   *tasks.Client
	sub      *tasks.Subscriber
	api      *sdk.Client
	pairs    map[string][2]string // task id -> user, institution
}

func newCrashRig(t *testing.T, redisAddr string, rdb *redis.Client) *crashRig {
	t.Helper()
	r := &crashRig{t: t, rdb: rdb, pairs: map[string][2]string{}}
	key := make([]byte, tasks.KeySize)
	rand.Read(key)
	r.kr, _ = tasks.NewKeyring("k1", map[string][]byte{"k1": key})
	r.srv = basiqtest.New(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: 100 * time.Millisecond, Accounts: 100 * time.Millisecond, Transactions: 100 * time.Millisecond}),
		basiqtest.WithFaults(basiqtest.Fault{Path: "POST /users/*/connections", Latency: 150 * time.Millisecond}))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/connections") {
			r.inflight.Add(1)
			defer r.inflight.Add(-1)
		}
		r.srv.Handler().ServeHTTP(w, req)
	}))
	t.Cleanup(ts.Close)
	ns := testredis.Name(t, "crash")
	r.spec = crashSpec{Redis: redisAddr, Namespace: ns, Queue: ns, BasiqURL: ts.URL, Key: hex.EncodeToString(key)}
	r.client = tasks.NewClient(rdb, r.kr, tasks.WithDefaultQueue(ns), tasks.WithNamespace(ns))
	r.sub = tasks.NewSubscriber(rdb, tasks.WithNamespace(ns))
	var err error
	if r.api, err = sdk.New("app-key", sdk.WithBaseURL(ts.URL), sdk.WithAPIVersion("2.0")); err != nil {
		t.Fatal(err)
	}
	return r
}

// crashBanks are the institutions the creates use: four per user.
var crashBanks = []string{"AU00000", "AU00201", "AU00301", "AU00401"}

// enqueue enqueues n creates, one per user and bank.
func (r *crashRig) enqueue(n int) []string {
	r.t.Helper()
	ctx := context.Background()
	var ids []string
	var user string
	for i := range n {
		if i%len(crashBanks) == 0 {
			u, err := r.api.Users.Create(ctx, sdk.UserParams{Email: randHex(4) + "@hooli.com"})
			if err != nil {
				r.t.Fatal(err)
			}
			user = u.ID
		}
		bank := crashBanks[i%len(crashBanks)]
		id, err := r.client.CreateConnection(ctx, tasks.CreateConnection{UserID: user, InstitutionID: bank,
			Credentials: tasks.Credentials{LoginID: "gavinBelson", Password: "hooli2016"}})
		if err != nil {
			r.t.Fatal(err)
		}
		ids = append(ids, id)
		r.pairs[id] = [2]string{user, bank}
	}
	return ids
}

// results reads the results stream until every task of ids has a result
// or d has passed (Redis errors, as during a restart, are waited out),
// then a little longer for late duplicates. When no result came for
// stall, stalled is called with the tasks still without one.
func (r *crashRig) results(ids []string, d, stall time.Duration, stalled func(missing []string)) map[string][]tasks.Result {
	got := map[string][]tasks.Result{}
	after, end, settled, last := "0-0", time.Now().Add(d), time.Time{}, time.Now()
	for time.Now().Before(end) && (settled.IsZero() || time.Now().Before(settled)) {
		evs, err := r.sub.Read(context.Background(), after, 1000, 0)
		if err != nil || len(evs) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
		for _, e := range evs {
			after, last = e.StreamID, time.Now()
			if e.Type == tasks.EventResult {
				got[e.Result.TaskID] = append(got[e.Result.TaskID], *e.Result)
			}
		}
		if settled.IsZero() && len(got) >= len(ids) {
			settled = time.Now().Add(time.Second)
		}
		if stalled != nil && settled.IsZero() && time.Since(last) > stall {
			var missing []string
			for _, id := range ids {
				if len(got[id]) == 0 {
					missing = append(missing, id)
				}
			}
			stalled(missing)
			last = time.Now()
		}
	}
	return got
}

// orphans returns those of ids that asynq holds as active with a lease
// that has expired: nobody runs them (a worker extends the lease of each
// task it runs every 5 s), as after a dequeue whose answer a Redis restart
// cut. Their leases are marked expired long ago, for a recoverer.
func (r *crashRig) orphans(ids []string) []string {
	ctx := context.Background()
	key := "asynq:{" + r.spec.Queue + "}:lease"
	var out []string
	for _, id := range ids {
		exp, err := r.rdb.ZScore(ctx, key, id).Result()
		if err != nil || time.Unix(int64(exp), 0).After(time.Now()) {
			continue // not active, or held
		}
		r.t.Logf("%s: active, its lease expired at %s: nobody runs it", id, time.Unix(int64(exp), 0).Format(time.TimeOnly))
		r.rdb.ZAddXX(ctx, key, redis.Z{Score: 1, Member: id})
		out = append(out, id)
	}
	return out
}

// crashCounts are the figures a crash test reports.
type crashCounts struct {
	creates, withResult, duplicates, unknown, completed, posts, connections, doubleConns int
}

func (c crashCounts) String() string {
	return fmt.Sprintf("creates %d, with a result %d, duplicate results %d, outcome-unknown %d, completed %d; "+
		"POSTs answered %d (resent %d), connections %d (%d pairs with two)",
		c.creates, c.withResult, c.duplicates, c.unknown, c.completed, c.posts, max(c.posts-c.creates, 0), c.connections, c.doubleConns)
}

// count checks got against ids and Basiq's connections.
func (r *crashRig) count(ids []string, got map[string][]tasks.Result) crashCounts {
	c := crashCounts{creates: len(ids)}
	for _, id := range ids {
		rs := got[id]
		if len(rs) > 0 {
			c.withResult++
		}
		if len(rs) > 1 {
			c.duplicates += len(rs) - 1
		}
		for _, res := range rs[:min(len(rs), 1)] {
			switch {
			case res.Outcome == tasks.OutcomeCompleted:
				c.completed++
			case res.Error != nil && res.Error.Code == tasks.CodeOutcomeUnknown:
				c.unknown++
			default:
				r.t.Logf("%s: %s %+v", id, res.Outcome, res.Error)
			}
		}
	}
	for _, n := range r.srv.Stats().Requests["POST /users/{uid}/connections"] {
		c.posts += n
	}
	perPair := map[[2]string]int{}
	seen := map[string]bool{}
	for _, p := range r.pairs {
		if seen[p[0]] {
			continue
		}
		seen[p[0]] = true
		conns, err := r.api.Connections.List(context.Background(), p[0], nil)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, cn := range conns {
			perPair[[2]string{p[0], cn.Institution.ID}]++
			c.connections++
		}
	}
	for _, n := range perPair {
		if n > 1 {
			c.doubleConns++
		}
	}
	return c
}

// check fails the test on missing or duplicate results or connections and
// more outcome-unknown than allowed.
func (c crashCounts) check(t *testing.T, maxUnknown int) {
	t.Helper()
	t.Log(c)
	if c.withResult != c.creates || c.duplicates != 0 {
		t.Errorf("%d of %d creates have a result, %d duplicates: want one result each", c.withResult, c.creates, c.duplicates)
	}
	if c.unknown > maxUnknown {
		t.Errorf("%d outcome-unknown, want at most %d", c.unknown, maxUnknown)
	}
	if c.completed+c.unknown != c.creates {
		t.Errorf("%d completed and %d outcome-unknown of %d creates: others failed", c.completed, c.unknown, c.creates)
	}
	if c.doubleConns != 0 || c.connections > c.creates {
		t.Errorf("%d connections for %d creates, %d pairs with two: a create made two connections", c.connections, c.creates, c.doubleConns)
	}
}

const crashCreates = 1000

// TestCrash_redisRestarts kills and restarts the worker's Redis (with its
// append-only file fsynced at every write, as a production Redis keeps its
// data across a restart) three times while 1,000 creates are in flight:
// every create gets exactly one result, none outcome-unknown, no
// connection made twice.
func TestCrash_redisRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	srv := testredis.StartServer(t, "--appendonly", "yes", "--appendfsync", "always")
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { rdb.Close() })
	r := newCrashRig(t, srv.Addr, rdb)
	ids := r.enqueue(crashCreates)
	logs := &syncbuf.Buffer{}
	w, err := crashWorker(r.spec, rdb, r.kr, zerolog.New(logs).Level(zerolog.WarnLevel))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	start := time.Now()
	for i, at := range []time.Duration{1500 * time.Millisecond, 4 * time.Second, 7 * time.Second} {
		time.Sleep(time.Until(start.Add(at)))
		inflight := r.inflight.Load()
		srv.Restart(t, time.Second)
		t.Logf("restart %d at %v: %d creates in flight at Basiq", i+1, at, inflight)
	}
	// A dequeue whose answer the restart cut leaves its task active with
	// nobody running it: its lease expires 30 s later, and asynq's
	// recoverer (every minute, for leases 30 s past expiry) re-queues it up
	// to 1.5 min after that. The test waits for the lease to expire, then
	// stands in for the recoverer's wait: it starts a second worker, whose
	// recoverer runs as it starts.
	orphaned := 0
	var second []func()
	got := r.results(ids, 90*time.Second, 3*time.Second, func(missing []string) {
		o := r.orphans(missing)
		if len(o) == 0 {
			return
		}
		orphaned += len(o)
		w2, err := crashWorker(r.spec, rdb, r.kr, zerolog.New(logs).Level(zerolog.WarnLevel))
		if err != nil {
			t.Fatal(err)
		}
		ctx2, cancel2 := context.WithCancel(context.Background())
		done2 := make(chan error, 1)
		go func() { done2 <- w2.Run(ctx2) }()
		second = append(second, func() { cancel2(); <-done2 })
	})
	t.Logf("wall time %v; %d tasks left active by a lost dequeue answer", time.Since(start).Round(100*time.Millisecond), orphaned)
	cancel()
	<-done
	for _, stop := range second {
		stop()
	}
	r.count(ids, got).check(t, 0)
	if t.Failed() {
		t.Logf("worker log:\n%s", logs.String())
	}
}

// TestCrash_workerKilled kills worker processes with SIGKILL while their
// POSTs to Basiq are in flight, four times over 1,000 creates, starting a
// new one each time: every create gets exactly one result, at most 1 in
// 1,000 outcome-unknown, no connection made twice. asynq re-queues a dead
// worker's tasks once their lease is 30 s past expiry, found by a recoverer
// that runs every minute (about 1.5 min in all, not configurable in asynq
// v0.26); the test expires the dead worker's leases itself so that the new
// worker's recoverer, which runs as it starts, re-queues them at once.
func TestCrash_workerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	rdb := testredis.Client(t)
	r := newCrashRig(t, testredis.Addr(), rdb)
	testredis.CleanupNamespace(t, r.spec.Namespace)
	testredis.CleanupQueue(t, r.spec.Queue)
	ids := r.enqueue(crashCreates)
	spec, _ := json.Marshal(r.spec)
	logDir := t.TempDir()
	startChild := func(n int) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+string(spec))
		f, err := os.Create(fmt.Sprintf("%s/worker-%d.log", logDir, n))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Signal(syscall.SIGTERM)
				cmd.Wait()
			}
			f.Close()
		})
		return cmd
	}
	start := time.Now()
	child := startChild(0)
	killedMidPost := 0
	for i := 1; i <= 4; i++ {
		time.Sleep(2 * time.Second)
		for end := time.Now().Add(2 * time.Second); r.inflight.Load() == 0 && time.Now().Before(end); {
			time.Sleep(5 * time.Millisecond)
		}
		inflight := r.inflight.Load()
		child.Process.Kill()
		child.Wait()
		if inflight > 0 {
			killedMidPost++
		}
		n := r.expireLeases()
		t.Logf("kill %d at %v: %d creates in flight at Basiq, %d leases expired", i, time.Since(start).Round(100*time.Millisecond), inflight, n)
		child = startChild(i)
	}
	got := r.results(ids, 120*time.Second, 0, nil)
	t.Logf("wall time %v", time.Since(start).Round(100*time.Millisecond))
	if killedMidPost == 0 {
		t.Error("no worker was killed with a POST in flight")
	}
	r.count(ids, got).check(t, crashCreates/1000)
	if t.Failed() {
		for i := range 5 {
			b, _ := os.ReadFile(fmt.Sprintf("%s/worker-%d.log", logDir, i))
			t.Logf("worker %d log (tail):\n%s", i, tail(string(b), 3000))
		}
	}
}

// expireLeases marks every lease of the queue expired long ago (only the
// dead worker holds leases when it is called) and returns how many.
func (r *crashRig) expireLeases() int {
	ctx := context.Background()
	key := "asynq:{" + r.spec.Queue + "}:lease"
	ids, err := r.rdb.ZRange(ctx, key, 0, -1).Result()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, id := range ids {
		r.rdb.ZAddXX(ctx, key, redis.Z{Score: 1, Member: id})
	}
	return len(ids)
}

func tail(s string, n int) string { return s[max(len(s)-n, 0):] }
