package admin

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/worker/metrics"
)

// enqueue puts tasks of the given types in queue q.
func enqueue(t *testing.T, q string, types ...string) []*asynq.TaskInfo {
	t.Helper()
	c := asynq.NewClient(testredis.ConnOpt())
	defer c.Close()
	var infos []*asynq.TaskInfo
	for _, typ := range types {
		info, err := c.Enqueue(asynq.NewTask(typ, []byte(`{"sealed":"AAAA"}`)), asynq.Queue(q))
		if err != nil {
			t.Fatalf("Enqueue(%s): %v", typ, err)
		}
		infos = append(infos, info)
	}
	return infos
}

func newHandler(t *testing.T, opts Options) *Handler {
	t.Helper()
	if opts.Redis == nil {
		opts.Redis = testredis.Client(t)
	}
	h, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

// do serves one request on h and returns the status and body.
func do(t *testing.T, h http.Handler, method, target string, auth ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if len(auth) == 2 {
		req.SetBasicAuth(auth[0], auth[1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestHandler_healthz(t *testing.T) {
	h := newHandler(t, Options{Username: "op", Password: "pw"})
	if code, body := do(t, h, "GET", "/healthz"); code != 200 || body != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 \"ok\"", code, body)
	}
}

func TestHandler_metrics(t *testing.T) {
	q, other := testredis.Queue(t, "admin-test"), testredis.Queue(t, "admin-test")
	enqueue(t, q, "connection:create", "job:poll")
	enqueue(t, other, "job:poll")
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.PollObserved()
	h := newHandler(t, Options{Registry: reg, Queues: []string{q}})
	if h.Registry() != reg {
		t.Error("Registry() is not Options.Registry")
	}

	code, body := do(t, h, "GET", "/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics = %d, want 200", code)
	}
	for _, want := range []string{
		`asynq_queue_size{queue="` + q + `"} 2`,
		`asynq_tasks_enqueued_total{queue="` + q + `",state="pending"} 2`,
		"basiq_worker_polls_total 1",
		"go_goroutines",
		"process_cpu_seconds_total",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /metrics: missing %q", want)
		}
	}
	if strings.Contains(body, other) {
		t.Errorf("GET /metrics: shows queue %s, which is not in Options.Queues", other)
	}
}

func TestHandler_ui(t *testing.T) {
	q := testredis.Queue(t, "admin-test")
	enqueue(t, q, "connection:create")
	h := newHandler(t, Options{UIEnabled: true, Username: "op", Password: "s3cret"})

	for _, path := range []string{"/ui/", "/ui/api/queues", "/metrics"} {
		if code, _ := do(t, h, "GET", path); code != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials = %d, want 401", path, code)
		}
		if code, _ := do(t, h, "GET", path, "op", "wrong"); code != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong password = %d, want 401", path, code)
		}
	}
	code, body := do(t, h, "GET", "/ui/", "op", "s3cret")
	if code != 200 || !strings.Contains(body, "<html") {
		t.Errorf("GET /ui/ = %d %.80q, want 200 and the index page", code, body)
	}
	code, body = do(t, h, "GET", "/ui/api/queues", "op", "s3cret")
	if code != 200 || !strings.Contains(body, `"`+q+`"`) {
		t.Errorf("GET /ui/api/queues = %d %.200q, want 200 and queue %s", code, body, q)
	}
	if code, _ := do(t, h, "GET", "/healthz"); code != 200 {
		t.Errorf("GET /healthz = %d, want 200 without credentials", code)
	}
}

func TestHandler_uiReadOnly(t *testing.T) {
	q := testredis.Queue(t, "admin-test")
	info := enqueue(t, q, "connection:create")[0]
	h := newHandler(t, Options{UIEnabled: true, UIPath: "/admin/ui", UIReadOnly: true})

	for _, c := range []struct{ method, path string }{
		{"POST", "/admin/ui/api/queues/" + q + ":pause"},
		{"DELETE", "/admin/ui/api/queues/" + q + "/pending_tasks/" + info.ID},
	} {
		if code, _ := do(t, h, c.method, c.path); code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s in read-only mode = %d, want 405", c.method, c.path, code)
		}
	}
	in := asynq.NewInspector(testredis.ConnOpt())
	defer in.Close()
	qi, err := in.GetQueueInfo(q)
	if err != nil {
		t.Fatal(err)
	}
	if qi.Paused || qi.Pending != 1 {
		t.Errorf("queue after refused calls: paused %v, pending %d; want false, 1", qi.Paused, qi.Pending)
	}
	if code, body := do(t, h, "GET", "/admin/ui/api/queues/"+q+"/pending_tasks"); code != 200 || !strings.Contains(body, info.ID) {
		t.Errorf("GET pending_tasks in read-only mode = %d %.200q, want 200 listing %s", code, body, info.ID)
	}
}

func TestNew_invalid(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: testredis.Addr()})
	defer rdb.Close()
	for name, opts := range map[string]Options{
		"no redis":         {},
		"user without pw":  {Redis: rdb, Username: "op"},
		"relative ui path": {Redis: rdb, UIEnabled: true, UIPath: "ui"},
		"root ui path":     {Redis: rdb, UIEnabled: true, UIPath: "/"},
	} {
		if _, err := New(opts); err == nil {
			t.Errorf("New(%s): got nil error", name)
		}
	}
}

func TestRequireAuth(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:8080": false,
		"127.0.0.2:8080": false,
		"[::1]:8080":     false,
		"localhost:8080": false,
		"localhost":      false,
		"::1":            false,
		":8080":          true,
		"0.0.0.0:8080":   true,
		"[::]:8080":      true,
		"10.0.0.5:8080":  true,
		"worker:8080":    true,
	}
	for addr, want := range tests {
		if got := RequireAuth(addr); got != want {
			t.Errorf("RequireAuth(%q) = %v, want %v", addr, got, want)
		}
	}
}

// failingCollector stands for asynq's queue collector when Redis hiccups.
type failingCollector struct{}

func (failingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- prometheus.NewDesc("failing_metric", "always fails", nil, nil)
}

func (failingCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.NewInvalidMetric(prometheus.NewDesc("failing_metric", "always fails", nil, nil), io.ErrUnexpectedEOF)
}

func TestHandler_metricsSurviveAFailingCollector(t *testing.T) {
	h := newHandler(t, Options{})
	ok := prometheus.NewCounter(prometheus.CounterOpts{Name: "still_served_total", Help: "a healthy metric"})
	ok.Inc()
	h.Registry().MustRegister(ok, failingCollector{})
	code, body := do(t, h, "GET", "/metrics")
	if code != http.StatusOK || !strings.Contains(body, "still_served_total 1") {
		t.Errorf("GET /metrics with a failing collector = %d, healthy metric served: %v; want 200 with it", code, strings.Contains(body, "still_served_total 1"))
	}
}
