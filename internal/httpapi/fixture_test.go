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
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
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
	// fake is the fake Basiq the real Consent UI link builder (SDKConsent)
	// talks to, under API 3.0.
	fake *basiqtest.Server
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
	f := &fixture{t: t, rdb: rdb, ns: ns, queue: q, log: &syncbuf.Buffer{}, fake: basiqtest.NewServer(),
		tasks: tasks.NewClient(rdb, kr, tasks.WithNamespace(ns), tasks.WithDefaultQueue(q)),
		pub:   results.NewPublisher(rdb, results.WithNamespace(ns))}
	o := Options{Tasks: f.tasks, Inspector: asynq.NewInspectorFromRedisClient(rdb), Redis: rdb, Namespace: ns,
		TokenHashes: []TokenHash{HashToken(testToken)}, IdempotencySecret: []byte("0123456789abcdef0123"),
		Heartbeat: 200 * time.Millisecond, MaxWait: 5 * time.Second,
		Logger: zerolog.New(f.log).Level(zerolog.DebugLevel), Metrics: NewMetrics(prometheus.NewRegistry()),
		Consent: realConsent(t, f.fake.URL)}
	t.Cleanup(f.fake.Close)
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

// realConsent is the real Consent UI link builder of basiq-api, on an SDK
// client of the Basiq at baseURL speaking API 3.0, whose Consent UI is at
// baseURL+"/consent" (the fake's).
func realConsent(t *testing.T, baseURL string) ConsentLinker {
	t.Helper()
	c, err := sdk.New("api-consent-key", sdk.WithBaseURL(baseURL), sdk.WithAPIVersion("3.0"),
		sdk.WithConsentURL(baseURL+"/consent"), sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return SDKConsent(c)
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

// progress stores and sends a task's progress as the worker does.
func (f *fixture) progress(p tasks.Progress) {
	f.t.Helper()
	if err := f.pub.Progress(context.Background(), p); err != nil {
		f.t.Fatal(err)
	}
}

func sampleProgress(taskID, userID, jobID string) tasks.Progress {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return tasks.Progress{TaskID: taskID, UserID: userID, JobID: jobID, ConnectionID: "c-1", Polls: 5,
		Steps: []tasks.StepObservation{{Title: "verify-credentials", Status: "success", ObservedAt: now.Add(-time.Second)},
			{Title: "retrieve-accounts", Status: "in-progress", ObservedAt: now}}}
}

func sampleResult(taskID, userID, jobID string) tasks.Result {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return tasks.Result{Outcome: tasks.OutcomeCompleted, TaskID: taskID, UserID: userID, JobID: jobID, ConnectionID: "c-1",
		Kind: tasks.TypeCreateConnection, Steps: []tasks.StepObservation{{Title: "verify-credentials", Status: "success", ObservedAt: now}},
		Accounts: []string{"a-1"}, Polls: 3, StartedAt: now.Add(-time.Second), FinishedAt: now}
}
