package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// testToken is the API token of the fixtures.
const testToken = "test-token-0123456789abcdef"

// fixture is the API on real Redis, behind a real HTTP server, with a
// unique namespace and queue.
type fixture struct {
	t     *testing.T
	rdb   *redis.Client
	ns    string
	queue string
	tasks *tasks.Client
	pub   *results.Publisher
	srv   *httptest.Server
	log   *syncbuf.Buffer
}

type fixtureOption func(*Options)

func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	rdb := testredis.Client(t)
	ns, q := testredis.Namespace(t, "api"), testredis.Queue(t, "api")
	kr, err := tasks.ParseKeyring("k1:" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, rdb: rdb, ns: ns, queue: q, log: &syncbuf.Buffer{},
		tasks: tasks.NewClient(rdb, kr, tasks.WithNamespace(ns), tasks.WithDefaultQueue(q)),
		pub:   results.NewPublisher(rdb, results.WithNamespace(ns))}
	o := Options{Tasks: f.tasks, Inspector: asynq.NewInspectorFromRedisClient(rdb), Redis: rdb, Namespace: ns,
		TokenHashes: []TokenHash{HashToken(testToken)}, IdempotencySecret: []byte("0123456789abcdef0123"),
		Heartbeat: 200 * time.Millisecond, MaxWait: 5 * time.Second,
		Logger: zerolog.New(f.log).Level(zerolog.DebugLevel), Metrics: NewMetrics(prometheus.NewRegistry()),
		Consent: func(ctx context.Context, userID string, o sdk.ConsentOptions) (string, error) {
			return "", &sdk.Error{StatusCode: http.StatusNotFound}
		}}
	for _, fo := range opts {
		fo(&o)
	}
	api, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(api)
	t.Cleanup(f.srv.Close)
	return f
}

// do sends a request with the test token (unless headers set Authorization)
// and returns the answer with its body read.
func (f *fixture) do(method, path string, body any, headers ...string) (*http.Response, []byte) {
	f.t.Helper()
	req := f.request(method, path, body, headers...)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, b
}

func (f *fixture) request(method, path string, body any, headers ...string) *http.Request {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// publish stores a result as the worker does.
func (f *fixture) publish(r tasks.Result) tasks.Event {
	f.t.Helper()
	e := results.NewResultEvent(r)
	if _, err := f.pub.Publish(context.Background(), e); err != nil {
		f.t.Fatal(err)
	}
	return e
}

func sampleResult(taskID, userID, jobID string) tasks.Result {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return tasks.Result{Outcome: tasks.OutcomeCompleted, TaskID: taskID, UserID: userID, JobID: jobID, ConnectionID: "c-1",
		Kind: tasks.TypeCreateConnection, Steps: []tasks.StepObservation{{Title: "verify-credentials", Status: "success", ObservedAt: now}},
		Accounts: []string{"a-1"}, Polls: 3, StartedAt: now.Add(-time.Second), FinishedAt: now}
}
