// Package node_test runs the Node example (connect.mjs) with the machine's
// node against a real stack: the worker process (internal/app) on real
// Redis, the fake Basiq server, and the HTTP API.
package node_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/app"
	"github.com/basiq-worker/basiq-worker/internal/httpapi"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

const apiToken = "node-example-token-0123456789"

func TestConnectExample(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("TEST_NODE_REQUIRED") != "" || testredis.Required() {
			t.Fatalf("node not found: %v", err)
		}
		t.Skip("node not found on PATH")
	}
	rdb := testredis.Client(t)
	ns, q := testredis.Namespace(t, "node"), testredis.Queue(t, "node")
	fake := basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: 300 * time.Millisecond, Accounts: 300 * time.Millisecond, Transactions: 300 * time.Millisecond}))
	t.Cleanup(fake.Close)
	key := make([]byte, tasks.KeySize)
	rand.Read(key)
	kr, err := tasks.NewKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatal(err)
	}
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	startWorker(t, rdb, ns, q, kr, fake.URL, log)
	api, err := httpapi.New(httpapi.Options{
		Tasks:     tasks.NewClient(rdb, kr, tasks.WithNamespace(ns), tasks.WithDefaultQueue(q)),
		Inspector: asynq.NewInspectorFromRedisClient(rdb), Redis: rdb, Namespace: ns,
		TokenHashes: []httpapi.TokenHash{httpapi.HashToken(apiToken)}, IdempotencySecret: key, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "connect.mjs")
	cmd.Env = append(os.Environ(), "BASIQ_API_URL="+srv.URL, "API_TOKEN="+apiToken,
		"BASIQ_URL="+fake.URL, "BASIQ_API_KEY=dev-api-key", "TIMEOUT_MS=45000")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node connect.mjs: %v\n%s", err, out)
	}
	checkOutput(t, string(out))
}

// checkOutput: the example printed progress and a completed result of its task.
func checkOutput(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var task string
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "task: "); ok {
			task = v
		}
	}
	var res tasks.Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not the result: %v\n%s", err, out)
	}
	if res.Outcome != tasks.OutcomeCompleted || res.TaskID != task || task == "" || res.ConnectionID == "" || len(res.Accounts) == 0 {
		t.Errorf("result %+v of task %q, want completed with a connection and accounts\n%s", res, task, out)
	}
	if !strings.Contains(out, "progress: verify-credentials=") {
		t.Errorf("no progress line:\n%s", out)
	}
}

// startWorker runs the worker process (internal/app, as basiq-worker
// runs it, speaking Basiq API 2.0 for credentials creates) on rdb until
// the test ends.
func startWorker(t *testing.T, rdb redis.UniversalClient, ns, q string, kr *tasks.Keyring, basiqURL string, log zerolog.Logger) {
	t.Helper()
	cfg := worker.DefaultConfig()
	cfg.Namespace, cfg.Keyring, cfg.Concurrency, cfg.Queues = ns, kr, 4, map[string]int{q: 1}
	cfg.APIKey, cfg.BaseURL, cfg.APIVersion = "dev-api-key", basiqURL, "2.0"
	cfg.DelayedTaskCheckInterval, cfg.TaskCheckInterval, cfg.ShutdownTimeout = 100*time.Millisecond, 50*time.Millisecond, 2*time.Second
	proc, err := app.New(app.Options{Redis: rdb, Worker: cfg, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
}
