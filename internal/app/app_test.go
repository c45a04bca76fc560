package app

import (
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testkeyring"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	appwebhook "github.com/basiq-worker/basiq-worker/tasks/webhook"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/basiq-worker/basiq-worker/worker/webhook"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Client names of the process under test and of the test's own app side.
const (
	procName = "basiq-process"
	appName  = "test-app"
)

// fixture is a process's options on a redis-server of the test's own,
// against a fake Basiq, with a webhook receiver.
type fixture struct {
	proc, app *redis.Client
	fake      *basiqtest.Server
	hooks     chan string // webhook-id of each delivery
	opts      Options
	kr        *tasks.Keyring
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	addr := testredis.StartServer(t).Addr
	f := &fixture{hooks: make(chan string, 10)}
	f.proc = redis.NewClient(&redis.Options{Addr: addr, ClientName: procName})
	f.app = redis.NewClient(&redis.Options{Addr: addr, ClientName: appName})
	t.Cleanup(func() { f.proc.Close(); f.app.Close() })
	f.fake = basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: 100 * time.Millisecond, Accounts: 100 * time.Millisecond, Transactions: 100 * time.Millisecond}))
	t.Cleanup(f.fake.Close)
	secret := make([]byte, 32)
	rand.Read(secret)
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := appwebhook.Verify(secret, r.Header, body, time.Now(), 0); err != nil {
			t.Errorf("webhook: %v", err)
		}
		f.hooks <- r.Header.Get(wire.HeaderWebhookID)
	}))
	t.Cleanup(hookSrv.Close)
	f.kr = testkeyring.New(t)
	wc := worker.DefaultConfig()
	wc.Keyring, wc.Concurrency = f.kr, 4
	wc.APIKey, wc.BaseURL, wc.APIVersion = "key", f.fake.URL, "2.0"
	wc.DelayedTaskCheckInterval, wc.TaskCheckInterval, wc.ShutdownTimeout = 100*time.Millisecond, 50*time.Millisecond, 2*time.Second
	f.opts = Options{Redis: f.proc, Worker: wc,
		Webhook: webhook.Options{URL: hookSrv.URL, Secret: secret, RetryDelay: func(int) time.Duration { return 50 * time.Millisecond }},
		Logger:  zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)}
	return f
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestProcess_Run: one process serves a connection end to end (worker,
// webhooks, admin server), on one Redis pool, and stops on cancel.
func TestProcess_Run(t *testing.T) {
	f := newFixture(t)
	f.opts.Listener = listen(t)
	p, err := New(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	api, _ := sdk.New("app", sdk.WithBaseURL(f.fake.URL), sdk.WithAPIVersion("2.0"))
	u, err := api.Users.Create(context.Background(), sdk.UserParams{Email: "g@hooli.com"})
	if err != nil {
		t.Fatal(err)
	}
	client := tasks.NewClient(f.app, f.kr)
	id, err := client.CreateConnection(context.Background(), tasks.CreateConnection{UserID: u.ID, InstitutionID: "AU00000",
		Credentials: tasks.Credentials{LoginID: "gavinBelson", Password: "hooli2016"}})
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	r, err := client.Wait(wctx, id)
	if err != nil || r.Outcome != tasks.OutcomeCompleted {
		t.Fatalf("result = %+v, %v", r, err)
	}
	select {
	case hook := <-f.hooks:
		if hook != "result:"+r.JobID {
			t.Errorf("webhook-id = %s, want result:%s", hook, r.JobID)
		}
	case <-time.After(10 * time.Second):
		t.Error("no webhook delivered")
	}
	metrics := get(t, "http://"+f.opts.Listener.Addr().String()+"/metrics")
	for _, name := range []string{"basiq_worker_polls_total", "asynq_queue_size", "basiq_worker_basiq_requests_total"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	checkOnePool(t, f.app)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if err := f.proc.Ping(context.Background()).Err(); err != nil {
		t.Errorf("Run closed the process's client: %v", err)
	}
}

// checkOnePool: every connection to Redis is the process's one client or
// the test's own (a pool that asynq opened for itself has no name).
func checkOnePool(t *testing.T, rdb *redis.Client) {
	t.Helper()
	list, err := rdb.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	procConns := 0
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		switch name := field(line, "name"); name {
		case procName:
			procConns++
		case appName:
		default:
			t.Errorf("a connection that is not the process's client (name %q): %s", name, line)
		}
	}
	if procConns == 0 {
		t.Errorf("no connection of the process's client:\n%s", list)
	}
}

// field returns the value of key in a CLIENT LIST line.
func field(line, key string) string {
	for _, kv := range strings.Fields(line) {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestProcess_Run_failureStopsAll: when one component fails (here the admin
// server, its listener closed), the others stop and Run returns its error.
func TestProcess_Run_failureStopsAll(t *testing.T) {
	f := newFixture(t)
	f.opts.Listener = listen(t)
	p, err := New(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	f.opts.Listener.Close()
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "admin server") {
			t.Errorf("Run = %v, want the admin server's error", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after the admin server failed")
	}
}

func TestNew_badOptions(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "Redis") {
		t.Errorf("New without Redis = %v, want an error naming Redis", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	defer rdb.Close()
	if _, err := New(Options{Redis: rdb, Worker: worker.Config{APIKey: "k", BaseURL: "http://127.0.0.1:1"}}); err == nil || !strings.Contains(err.Error(), "Keyring") {
		t.Errorf("New without a keyring = %v, want an error naming Keyring", err)
	}
}

// TestProcess_Run_basiqHooksURL: with BasiqHooksURL the process registers
// the subscription with Basiq before it starts (a restart finds it, no
// second one); when Basiq refuses, Run fails at once naming the variable
// and the call.
func TestProcess_Run_basiqHooksURL(t *testing.T) {
	f := newFixture(t)
	f.opts.BasiqHooksURL = "https://worker.example/basiq/webhooks"
	for run := range 2 { // a start, then a restart
		f.opts.Listener = listen(t)
		p, err := New(f.opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		time.Sleep(300 * time.Millisecond)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	api, err := sdk.New("app", sdk.WithBaseURL(f.fake.URL), sdk.WithAPIVersion("3.0"))
	if err != nil {
		t.Fatal(err)
	}
	subs, err := api.Webhooks.List(context.Background())
	if err != nil || len(subs) != 1 || subs[0].URL != f.opts.BasiqHooksURL {
		t.Errorf("subscriptions after two starts: %v, %v; want one for %s", subs, err, f.opts.BasiqHooksURL)
	}

	refusing := basiqtest.NewServer(basiqtest.WithAPIKey("another-key"))
	t.Cleanup(refusing.Close)
	f.opts.Worker.BaseURL, f.opts.Listener = refusing.URL, listen(t)
	p, err := New(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(context.Background())
	want := "BASIQ_WEBHOOK_URL: register the webhook subscription: list Basiq's webhook subscriptions: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Run against a Basiq refusing the key: %v, want an error starting %q", err, want)
	} else {
		t.Logf("Run: %v", err)
	}
}
