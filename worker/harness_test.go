package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/basiqclient"
	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testkeyring"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// redisAddr is the test Redis: 127.0.0.1:6379 or $TEST_REDIS_ADDR.
var redisAddr = testredis.Addr()

// harness runs workers against real Redis and a basiqtest server over
// HTTP, in a queue and namespace of its own.
type harness struct {
	t      *testing.T
	srv    *basiqtest.Server
	rdb    *redis.Client
	ns     string
	queue  string
	kr     *tasks.Keyring
	client *tasks.Client
	sub    *tasks.Client
	api    *sdk.Client // the application's view of Basiq (users)
	rec    *recorder
	logs   *syncbuf.Buffer
	cfg    Config
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// fastSteps are short Basiq steps for tests.
var fastSteps = basiqtest.WithStepDurations(basiqtest.StepDurations{
	Credentials: 200 * time.Millisecond, Accounts: 200 * time.Millisecond, Transactions: 200 * time.Millisecond})

func newHarness(t *testing.T, opts ...basiqtest.Option) *harness {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs Redis on " + redisAddr)
	}
	rdb := testredis.Client(t) // skips, or fails under TEST_REDIS_REQUIRED, without Redis
	id := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-" + randHex(4)
	h := &harness{t: t, rdb: rdb, ns: "wt-" + id, queue: "wt-" + id, rec: &recorder{}, logs: &syncbuf.Buffer{}}
	h.srv = basiqtest.NewServer(append([]basiqtest.Option{fastSteps}, opts...)...)
	h.kr = testkeyring.New(t)
	h.client = tasks.NewClient(rdb, h.kr, tasks.WithDefaultQueue(h.queue), tasks.WithNamespace(h.ns))
	h.sub = tasks.NewClient(rdb, nil, tasks.WithNamespace(h.ns))
	var err error
	h.api, err = sdk.New("app-key", sdk.WithBaseURL(h.srv.URL), sdk.WithAPIVersion("2.0"))
	if err != nil {
		t.Fatal(err)
	}
	workerAPI, err := sdk.New("worker-key", sdk.WithBaseURL(h.srv.URL), sdk.WithAPIVersion("2.0"),
		sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}),
		sdk.WithTokenStore(basiqclient.NewTokenStore(rdb, h.ns, "worker-key")),
		sdk.WithHTTPClient(&http.Client{Transport: h.rec, Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	h.cfg = Config{
		Redis: rdb, Namespace: h.ns, Basiq: NewBasiq(workerAPI), Keyring: h.kr, APIVersion: "2.0",
		Concurrency: 4, Queues: map[string]int{h.queue: 1},
		Policy:      PollPolicy{Initial: 200 * time.Millisecond, Factor: 1.5, Max: time.Second, Jitter: 0.1},
		JobDeadline: 30 * time.Second, StepRetryDelay: 200 * time.Millisecond, ReconcileAfter: time.Second,
		DelayedTaskCheckInterval: 100 * time.Millisecond, TaskCheckInterval: 100 * time.Millisecond,
		ShutdownTimeout: 5 * time.Second, ResultRetention: time.Hour,
		Logger: zerolog.New(h.logs).Level(zerolog.DebugLevel).With().Timestamp().Logger(),
	}
	t.Cleanup(h.cleanup)
	return h
}

func (h *harness) cleanup() {
	h.srv.Close()
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: redisAddr})
	_ = insp.DeleteQueue(h.queue, true)
	insp.Close()
	ctx := context.Background()
	for _, pattern := range []string{"{" + h.ns + "}:*", "asynq:{" + h.queue + "}:*"} {
		iter := h.rdb.Scan(ctx, 0, pattern, 500).Iterator()
		for iter.Next(ctx) {
			h.rdb.Del(ctx, iter.Val())
		}
	}
	h.rdb.SRem(ctx, "asynq:queues", h.queue)
	if h.t.Failed() {
		h.t.Logf("worker log:\n%s", h.logs.String())
	}
}

// start runs a worker until the returned stop is called (stop waits for
// the graceful shutdown).
func (h *harness) start() (stop func()) {
	h.t.Helper()
	w, err := New(h.cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("Run: %v", err)
			}
		})
	}
	h.t.Cleanup(stop)
	return stop
}

// user creates a Basiq user for the application.
func (h *harness) user() string {
	h.t.Helper()
	u, err := h.api.Users.Create(context.Background(), sdk.UserParams{Email: randHex(4) + "@hooli.com"})
	if err != nil {
		h.t.Fatal(err)
	}
	return u.ID
}

// create enqueues a connection:create and returns its task id.
func (h *harness) create(user, inst, login, password string, opts ...tasks.Enqueue) string {
	h.t.Helper()
	id, err := h.client.CreateConnection(context.Background(), tasks.CreateConnection{UserID: user, InstitutionID: inst,
		Credentials: tasks.Credentials{LoginID: login, Password: password}}, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

// wait returns the result of taskID or fails the test after d.
func (h *harness) wait(taskID string, d time.Duration) *tasks.Result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	r, err := h.sub.Wait(ctx, taskID)
	if err != nil {
		h.t.Fatalf("no result for %s: %v", taskID, err)
	}
	return r
}

// results reads every result event of the namespace's stream.
func (h *harness) events() []tasks.Event {
	h.t.Helper()
	evs, err := h.sub.ReadResults(context.Background(), "0-0", 100000, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

// calls counts the answers the fake server gave on route.
func (h *harness) calls(route string) int {
	n := 0
	for _, c := range h.srv.Stats().Requests[route] {
		n += c
	}
	return n
}

// dumpRedis returns every key and value of the harness's namespace and
// queue as text.
func (h *harness) dumpRedis() string {
	return dumpKeys(h.t, h.rdb, "*"+h.ns+"*", "asynq:{"+h.queue+"}:*")
}

// dumpKeys returns the keys matching patterns and their values (strings,
// hashes, lists, sets, sorted sets, streams) as text, reading in pipelined
// batches so that a whole shared Redis can be dumped.
func dumpKeys(t *testing.T, rdb *redis.Client, patterns ...string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, pattern := range patterns {
		var cursor uint64
		for {
			keys, next, err := rdb.Scan(ctx, cursor, pattern, 1000).Result()
			if err != nil {
				t.Fatal(err)
			}
			types := make([]*redis.StatusCmd, len(keys))
			pipe := rdb.Pipeline()
			for i, k := range keys {
				types[i] = pipe.Type(ctx, k)
			}
			pipe.Exec(ctx)
			vals := make([]redis.Cmder, len(keys))
			pipe = rdb.Pipeline()
			for i, k := range keys {
				switch types[i].Val() {
				case "string":
					vals[i] = pipe.Get(ctx, k)
				case "hash":
					vals[i] = pipe.HGetAll(ctx, k)
				case "list":
					vals[i] = pipe.LRange(ctx, k, 0, -1)
				case "set":
					vals[i] = pipe.SMembers(ctx, k)
				case "zset":
					vals[i] = pipe.ZRange(ctx, k, 0, -1)
				case "stream":
					vals[i] = pipe.XRange(ctx, k, "-", "+")
				}
			}
			pipe.Exec(ctx)
			for i, k := range keys {
				fmt.Fprintf(&b, "%s: ", k)
				if vals[i] != nil {
					fmt.Fprint(&b, vals[i].(interface{ String() string }).String())
				}
				b.WriteByte('\n')
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
	}
	return b.String()
}

// recorder is the worker's HTTP transport: it records when each request
// started and how it was answered.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path string
	start, end   time.Time
	status       int
	retryAfter   string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := recorded{method: req.Method, path: req.URL.Path, start: time.Now()}
	resp, err := http.DefaultTransport.RoundTrip(req)
	rec.end = time.Now()
	if err == nil {
		rec.status, rec.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}
