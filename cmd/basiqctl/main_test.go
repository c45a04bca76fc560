package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/redis/go-redis/v9"
)

// testEnv is a namespace and queue of their own on the real Redis.
type testEnv struct {
	ns, queue string
	vars      map[string]string
	// basiqURL is the fake Basiq of startWorker.
	basiqURL string
	rdb      *redis.Client
}

func setup(t *testing.T) *testEnv {
	t.Helper()
	key := make([]byte, tasks.KeySize)
	rand.Read(key)
	te := &testEnv{ns: testredis.Namespace(t, "test"), queue: testredis.Queue(t, "test"), rdb: testredis.Client(t)}
	te.vars = map[string]string{"REDIS_URL": "redis://" + testredis.Addr() + "/0", "REDIS_NAMESPACE": te.ns,
		"BASIQ_SECRET_KEY": "k1:" + base64.StdEncoding.EncodeToString(key)}
	return te
}

func (te *testEnv) getenv(k string) string { return te.vars[k] }

// startWorker runs a worker on te's queue against a fast fake Basiq, and
// returns an SDK client of the fake to create users with.
func (te *testEnv) startWorker(t *testing.T) *sdk.Client {
	t.Helper()
	fake := basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: 100 * time.Millisecond, Accounts: 100 * time.Millisecond, Transactions: 100 * time.Millisecond}))
	t.Cleanup(fake.Close)
	te.basiqURL = fake.URL
	api, err := sdk.New("test-key", sdk.WithBaseURL(fake.URL), sdk.WithAPIVersion("2.0"), sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	k, err := tasks.ParseKeyring(te.vars["BASIQ_SECRET_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(worker.Config{Redis: te.rdb, Namespace: te.ns, Keyring: k,
		APIKey: "test-key", BaseURL: fake.URL, APIVersion: "2.0",
		Queues: map[string]int{te.queue: 1}, Concurrency: 4, DelayedTaskCheckInterval: 100 * time.Millisecond,
		TaskCheckInterval: 50 * time.Millisecond, ShutdownTimeout: time.Second, ResultRetention: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return api
}

// ctl runs basiqctl with args and returns the exit code, stdout and stderr.
func (te *testEnv) ctl(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	code := run(ctx, append([]string{"basiqctl"}, args...), te.getenv, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func newUser(t *testing.T, api *sdk.Client) string {
	t.Helper()
	u, err := api.Users.Create(context.Background(), sdk.UserParams{Email: "ctl@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestCreateWait_completed(t *testing.T) {
	te := setup(t)
	user := newUser(t, te.startWorker(t))
	code, out, errOut := te.ctl(t, "hooli2016\n", "create", "--user", user, "--institution", "AU00000", "--login", "gavinBelson",
		"--password-stdin", "--queue", te.queue)
	if code != 0 {
		t.Fatalf("create: exit %d, stderr %s", code, errOut)
	}
	id := strings.TrimSpace(out)
	code, out, errOut = te.ctl(t, "", "wait", id, "--json", "--timeout", "20s")
	if code != 0 {
		t.Fatalf("wait: exit %d, want 0\nstdout %s\nstderr %s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var ev tasks.Event
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &ev); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if ev.Result == nil || ev.Result.Outcome != tasks.OutcomeCompleted || ev.Result.TaskID != id || len(ev.Result.Accounts) == 0 {
		t.Errorf("got %+v, want a completed result of %s with accounts", ev.Result, id)
	}
}

func TestCreateWait_wrongPassword(t *testing.T) {
	te := setup(t)
	user := newUser(t, te.startWorker(t))
	te.vars["PW"] = "wrong"
	code, out, errOut := te.ctl(t, "", "create", "--user", user, "--institution", "AU00000", "--login", "gavinBelson",
		"--password-env", "PW", "--queue", te.queue, "--json")
	if code != 0 {
		t.Fatalf("create: exit %d, stderr %s", code, errOut)
	}
	var created struct{ TaskID string }
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.TaskID == "" {
		t.Fatalf("create --json: %q: %v", out, err)
	}
	code, out, _ = te.ctl(t, "", "wait", created.TaskID, "--timeout", "20s")
	if code != exitFailed {
		t.Errorf("wait: exit %d, want %d", code, exitFailed)
	}
	if !strings.Contains(out, "failed") || !strings.Contains(out, "error=invalid-credentials@verify-credentials") {
		t.Errorf("wait output: %q", out)
	}
	// stats lists the queue, tail prints the result.
	code, out, errOut = te.ctl(t, "", "stats", "--json")
	if code != 0 {
		t.Fatalf("stats: exit %d, %s", code, errOut)
	}
	var stats []queueStats
	if err := json.Unmarshal([]byte(out), &stats); err != nil {
		t.Fatalf("stats --json: %v", err)
	}
	found := false
	for _, s := range stats {
		found = found || s.Queue == te.queue
	}
	if !found {
		t.Errorf("stats --json: queue %s missing from %s", te.queue, out)
	}
	code, out, errOut = te.ctl(t, "", "tail", "--from", "0", "--count", "1", "--json")
	if code != 0 {
		t.Fatalf("tail: exit %d, %s", code, errOut)
	}
	var ev tasks.Event
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.Result == nil || ev.Result.TaskID != created.TaskID {
		t.Errorf("tail --json: got %q (%v), want the result of %s", out, err, created.TaskID)
	}
}

// TestWait_progress publishes progress and the result itself, as the worker will.
func TestWait_progress(t *testing.T) {
	te := setup(t)
	te.idleServer(t)
	t1 := te.enqueueLater(t, te.queue)
	pub := results.NewPublisher(te.rdb, results.WithNamespace(te.ns))
	ctx := context.Background()
	var stdout, stderr syncbuf.Buffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"basiqctl", "wait", t1, "--timeout", "10s"}, te.getenv, strings.NewReader(""), &stdout, &stderr)
	}()
	steps := []tasks.StepObservation{{Title: "verify-credentials", Status: "success"}, {Title: "retrieve-accounts", Status: "in-progress"}}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stdout.String(), "running"); {
		if time.Now().After(deadline) {
			t.Fatalf("no progress line after 5s: %q", stdout.String())
		}
		if err := pub.Progress(ctx, tasks.Progress{TaskID: t1, JobID: "j1", UserID: "u1", Steps: steps, Polls: 2}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := tasks.Result{Outcome: tasks.OutcomeTimedOut, TaskID: t1, JobID: "j1", UserID: "u1"}
	if _, err := pub.Publish(ctx, results.NewResultEvent(r)); err != nil {
		t.Fatal(err)
	}
	if got := <-code; got != exitTimedOut {
		t.Errorf("exit %d, want %d; stderr %s", got, exitTimedOut, stderr.String())
	}
	if want := "steps=verify-credentials:success,retrieve-accounts:in-progress polls=2"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, stdout.String())
	}
}

func TestUsage(t *testing.T) {
	te := setup(t)
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage: basiqctl"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"create", "--institution", "AU00000"}, "--user is required"},
		{[]string{"create", "--user", "u", "--institution", "AU00000", "--login", "l"}, "--password-stdin or --password-env"},
		{[]string{"create", "--user", "u", "--institution", "AU00000", "--login", "l", "--password-env", "NOPE"}, "NOPE is empty"},
		{[]string{"wait"}, "exactly one TASK_ID"},
		{[]string{"refresh", "--user", "u"}, "--connection is required"},
		{[]string{"tail", "--bogus"}, "flag provided but not defined"},
		{[]string{"tail", "--count", "2", "--follow", "--from", "0"}, "takes no --from"},
		{[]string{"mfa", "--user", "u", "--job", "j"}, "--answer is required"},
		{[]string{"create", "--deadline", "soon", "--user", "u", "--institution", "i", "--login", "l", "--password-env", "X"}, "--deadline"},
	}
	for _, tt := range tests {
		code, _, errOut := te.ctl(t, "", tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("basiqctl %q: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, exitUsage, tt.want)
		}
	}
}

func TestCreate_plainPasswordWarns(t *testing.T) {
	te := setup(t)
	code, _, errOut := te.ctl(t, "", "create", "--user", "u", "--institution", "AU00000", "--login", "l", "--password", "p", "--queue", te.queue)
	if code != 0 || !strings.Contains(errOut, "warning: --password is visible") {
		t.Errorf("exit %d, stderr %q; want 0 and a warning", code, errOut)
	}
}

func TestSchedule(t *testing.T) {
	te := setup(t)
	code, out, errOut := te.ctl(t, "", "schedule", "add", "--user", "u1", "--every", "6h")
	if code != 0 || strings.TrimSpace(out) != "user:u1" {
		t.Fatalf("schedule add: exit %d, %q, %s", code, out, errOut)
	}
	code, out, _ = te.ctl(t, "", "schedule", "list", "--json")
	// Intervals are Go durations, as --every takes them, not nanoseconds.
	var list []struct {
		ID, UserID, Interval string
		CreatedAt            time.Time
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 1 || list[0].ID != "user:u1" ||
		list[0].UserID != "u1" || list[0].Interval != "6h0m0s" || list[0].CreatedAt.IsZero() {
		t.Errorf("schedule list --json: exit %d, %q, %v; want one schedule of u1 with interval \"6h0m0s\"", code, out, err)
	}
	if code, _, errOut = te.ctl(t, "", "schedule", "rm", "user:u1"); code != 0 {
		t.Errorf("schedule rm: exit %d, %s", code, errOut)
	}
	if code, _, _ = te.ctl(t, "", "schedule", "rm", "user:u1"); code != exitFailed {
		t.Errorf("schedule rm again: exit %d, want %d", code, exitFailed)
	}
	if code, _, _ = te.ctl(t, "", "schedule", "add", "--user", "u1", "--every", "10s"); code != exitUsage {
		t.Errorf("schedule add --every 10s: exit %d, want %d", code, exitUsage)
	}
}
