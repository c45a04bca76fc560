package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/webhook"
)

// TestRun_metrics runs real work through the binary's run (fake Basiq over
// HTTP, real Redis), with a burst of 429s on job polls, then scrapes /metrics
// over HTTP and checks every figure the operator is promised.
func TestRun_metrics(t *testing.T) {
	rdb := testredis.Client(t)
	step := 100 * time.Millisecond
	srv := basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: step, Accounts: step, Transactions: step}),
		basiqtest.WithFaults(basiqtest.Fault{Path: "GET /jobs/*", ThrottleRate: 1, RetryAfter: time.Second}))
	defer srv.Close()
	addr := freeAddr(t)
	queue, ns, key := testredis.Queue(t, "metricstest"), testredis.Namespace(t, "metricstest"), secretKey()
	testredis.CleanupQueue(t, webhook.DefaultQueueFor(ns))
	e := map[string]string{
		"BASIQ_API_KEY": "key", "BASIQ_SECRET_KEY": key, "BASIQ_BASE_URL": srv.URL, "BASIQ_API_VERSION": "2.0",
		"WORKER_QUEUES": queue, "REDIS_URL": "redis://" + testredis.Addr() + "/0", "REDIS_NAMESPACE": ns, "HTTP_ADDR": addr, "LOG_LEVEL": "error",
		"POLL_INITIAL_DELAY": "200ms", "WORKER_SHUTDOWN_TIMEOUT": "2s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"basiq-worker"}, env(e), io.Discard, io.Discard) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("run did not return after cancel")
		}
	}()
	waitHealthy(t, addr)

	api, _ := sdk.New("app", sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("2.0"))
	kr, _ := tasks.ParseKeyring(key)
	client := tasks.NewClient(rdb, kr, tasks.WithDefaultQueue(queue), tasks.WithNamespace(ns))
	var ids []string
	for _, pw := range []string{"hooli2016", "wrong-password"} {
		u, err := api.Users.Create(context.Background(), sdk.UserParams{Email: "g@hooli.com"})
		if err != nil {
			t.Fatal(err)
		}
		id, err := client.CreateConnection(context.Background(), tasks.CreateConnection{UserID: u.ID, InstitutionID: "AU00000",
			Credentials: tasks.Credentials{LoginID: "gavinBelson", Password: pw}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// Lift the 429s once the worker has met one.
	for end := time.Now().Add(10 * time.Second); srv.Stats().Requests["GET /jobs/{id}"][429] == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the worker never polled a job")
		}
	}
	srv.SetFaults()
	for i, want := range []tasks.Outcome{tasks.OutcomeCompleted, tasks.OutcomeFailed} {
		wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
		r, err := client.Wait(wctx, ids[i])
		wcancel()
		if err != nil || r.Outcome != want {
			t.Fatalf("result %d = %+v, %v; want %s", i, r, err, want)
		}
	}

	m := scrape(t, "http://"+addr+"/metrics")
	q := `queue="` + queue + `"`
	tests := []struct {
		what, name string
		labels     []string
		min        float64
	}{
		{"Basiq calls by route and status", "basiq_worker_basiq_requests_total", []string{`route="POST /users/{id}/connections"`, `status="202"`}, 2},
		{"polls answered", "basiq_worker_basiq_requests_total", []string{`route="GET /jobs/{id}"`, `status="200"`}, 2},
		{"polls throttled", "basiq_worker_basiq_requests_total", []string{`route="GET /jobs/{id}"`, `status="429"`}, 1},
		{"token calls", "basiq_worker_basiq_requests_total", []string{`route="POST /token"`, `status="200"`}, 1},
		{"latency histogram", "basiq_worker_basiq_request_duration_seconds_count", []string{`route="GET /jobs/{id}"`}, 3},
		{"latency buckets", "basiq_worker_basiq_request_duration_seconds_bucket", []string{`route="GET /jobs/{id}"`, `le="+Inf"`}, 3},
		{"polls", "basiq_worker_polls_total", nil, 2},
		{"polls per job", "basiq_worker_polls_per_job_count", nil, 2},
		{"polls per job sum", "basiq_worker_polls_per_job_sum", nil, 2},
		{"time per step", "basiq_worker_step_duration_seconds_count", []string{`step="retrieve-transactions"`, `status="success"`}, 1},
		{"time per failed step", "basiq_worker_step_duration_seconds_count", []string{`step="verify-credentials"`, `status="failed"`}, 1},
		{"completed results", "basiq_worker_results_total", []string{`outcome="completed"`}, 1},
		{"failed results", "basiq_worker_results_total", []string{`outcome="failed"`}, 1},
		{"job duration", "basiq_worker_job_duration_seconds_count", nil, 2},
		{"token refreshes", "basiq_worker_token_refreshes_total", nil, 1},
		{"429s", "basiq_worker_throttled_total", nil, 1},
		{"retry waits", "basiq_worker_retry_waits_total", []string{`reason="throttled"`}, 1},
		{"retry wait time (no sooner than Retry-After)", "basiq_worker_retry_wait_seconds_sum", []string{`reason="throttled"`}, 1},
		{"queue size gauge", "asynq_queue_size", []string{q}, 0},
		{"tasks processed (the creates: jobs are followed outside asynq)", "asynq_tasks_processed_total", []string{q}, 2},
		{"followed jobs gauge", "basiq_worker_followed_jobs", nil, 0},
		{"tasks enqueued gauge", "asynq_tasks_enqueued_total", []string{q, `state="completed"`}, 0},
		{"queue latency gauge", "asynq_queue_latency_seconds", []string{q}, 0},
	}
	for _, tt := range tests {
		got, ok := m.sum(tt.name, tt.labels...)
		if !ok || got < tt.min {
			t.Errorf("%s: %s%v = %v (present %v), want >= %v", tt.what, tt.name, tt.labels, got, ok, tt.min)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(end) {
			t.Fatalf("/healthz not up: %v", err)
		}
	}
}

// samples is a scraped Prometheus text exposition: one line per sample.
type samples []string

func scrape(t *testing.T, url string) samples {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	var s samples
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			s = append(s, line)
		}
	}
	return s
}

// sum adds the values of the samples of metric name whose labels include
// every one of labels (each `key="value"`); ok is false when none matched.
func (s samples) sum(name string, labels ...string) (total float64, ok bool) {
	for _, line := range s {
		series, value, found := strings.Cut(line, " ")
		if i := strings.LastIndex(line, "} "); i >= 0 { // label values may hold spaces
			series, value = line[:i+1], line[i+2:]
		}
		n, lbls, _ := strings.Cut(series, "{")
		if !found || n != name {
			continue
		}
		match := true
		for _, l := range labels {
			match = match && (strings.Contains(lbls, l+",") || strings.Contains(lbls, l+"}"))
		}
		if !match {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if err == nil {
			total, ok = total+v, true
		}
	}
	return total, ok
}
