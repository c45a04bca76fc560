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
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
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
	return New(Config{
		Redis: rdb, Namespace: s.Namespace, APIKey: "worker-key", BaseURL: s.BasiqURL, APIVersion: "2.0",
		BasiqTimeout: 10 * time.Second,
		Keyring:      kr, Concurrency: 16, Queues: map[string]int{s.Queue: 1},
		Policy:      PollPolicy{Initial: 200 * time.Millisecond, Factor: 1.5, Max: time.Second, Jitter: 0.1},
		JobDeadline: 3 * time.Minute, StepRetryDelay: 200 * time.Millisecond, ReconcileAfter: 2 * time.Second,
		DelayedTaskCheckInterval: 100 * time.Millisecond, TaskCheckInterval: 100 * time.Millisecond,
		ShutdownTimeout: time.Second, ResultRetention: time.Hour, Logger: log,
	})
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
	r := newCrashRig(t, srv.Addr, rdb, 0)
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
// new one each time, and Basiq drops 1% of the creates unanswered and
// unprocessed (these are looked up, found absent and sent again): every
// create gets exactly one result, at most 1 in 1,000 outcome-unknown, no
// connection made twice. asynq re-queues a dead
// worker's tasks once their lease is 30 s past expiry, found by a recoverer
// that runs every minute (about 1.5 min in all, not configurable in asynq
// v0.26); the test expires the dead worker's leases itself so that the new
// worker's recoverer, which runs as it starts, re-queues them at once.
func TestCrash_workerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	rdb := testredis.Client(t)
	r := newCrashRig(t, testredis.Addr(), rdb, 0.01)
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
