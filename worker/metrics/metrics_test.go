package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			w.WriteHeader(http.StatusOK)
		case "/jobs/slow":
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()

	reg := prometheus.NewRegistry()
	m := New(reg)
	client := &http.Client{Transport: m.Transport(nil)}
	calls := []struct{ method, path string }{
		{"POST", "/token"},
		{"GET", "/jobs/slow"},
		{"GET", "/jobs/slow"},
		{"GET", "/jobs/other-id"},
		{"GET", "/nope/x/y"},
	}
	for _, c := range calls {
		req, err := http.NewRequest(c.method, srv.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	counts := []struct {
		route, status string
		want          float64
	}{
		{"POST /token", "200", 1},
		{"GET /jobs/{id}", "429", 2},
		{"GET /jobs/{id}", "404", 1},
		{OtherRoute, "404", 1},
	}
	for _, c := range counts {
		got := testutil.ToFloat64(m.requests.WithLabelValues(c.route, c.status))
		if got != c.want {
			t.Errorf("requests{%s,%s} = %v, want %v", c.route, c.status, got, c.want)
		}
	}
	if got := testutil.ToFloat64(m.throttled); got != 2 {
		t.Errorf("throttled = %v, want 2", got)
	}
	if got := testutil.CollectAndCount(reg, "basiq_worker_basiq_request_duration_seconds"); got != 3 {
		t.Errorf("duration series = %d, want 3 (one per route)", got)
	}

	// A transport error is counted with status "error".
	srv.Close()
	if _, err := client.Get(srv.URL + "/token"); err == nil {
		t.Fatal("Get on a closed server: got nil error")
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("GET /token", "error")); got != 1 {
		t.Errorf("requests{GET /token,error} = %v, want 1", got)
	}
}

func TestMetrics_figures(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	m.PollObserved()
	m.PollObserved()
	m.StepFinished("verify-credentials", "success", 2*time.Second)
	m.ResultPublished("success", 4, 12*time.Second)
	m.TokenRefreshed()
	m.RetryWait("throttled", 3*time.Second)
	m.RetryWait("transient", time.Second)
	m.TaskRejected("unknown-type")

	want := `
# HELP basiq_worker_polls_total Polls of Basiq jobs.
# TYPE basiq_worker_polls_total counter
basiq_worker_polls_total 2
# HELP basiq_worker_results_total Published job results by outcome.
# TYPE basiq_worker_results_total counter
basiq_worker_results_total{outcome="success"} 1
# HELP basiq_worker_token_refreshes_total Basiq access token refreshes.
# TYPE basiq_worker_token_refreshes_total counter
basiq_worker_token_refreshes_total 1
# HELP basiq_worker_retry_waits_total Waits before retrying a Basiq call, by reason (throttled, transient, maintenance).
# TYPE basiq_worker_retry_waits_total counter
basiq_worker_retry_waits_total{reason="throttled"} 1
basiq_worker_retry_waits_total{reason="transient"} 1
# HELP basiq_worker_tasks_rejected_total Tasks archived on their first delivery, by reason (unknown-type, invalid-payload).
# TYPE basiq_worker_tasks_rejected_total counter
basiq_worker_tasks_rejected_total{reason="unknown-type"} 1
`
	err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"basiq_worker_polls_total", "basiq_worker_results_total",
		"basiq_worker_token_refreshes_total", "basiq_worker_retry_waits_total", "basiq_worker_tasks_rejected_total")
	if err != nil {
		t.Error(err)
	}
	for name, want := range map[string]int{
		"basiq_worker_step_duration_seconds": 1,
		"basiq_worker_polls_per_job":         1,
		"basiq_worker_job_duration_seconds":  1,
		"basiq_worker_retry_wait_seconds":    2,
	} {
		if got := testutil.CollectAndCount(reg, name); got != want {
			t.Errorf("series of %s = %d, want %d", name, got, want)
		}
	}
}

func TestMetrics_nil(t *testing.T) {
	var m *Metrics
	m.PollObserved()
	m.StepFinished("s", "success", time.Second)
	m.ResultPublished("success", 1, time.Second)
	m.TokenRefreshed()
	m.RetryWait("throttled", time.Second)
	m.TaskRejected("unknown-type")
	if got := m.Transport(nil); got != http.DefaultTransport {
		t.Errorf("nil Metrics Transport(nil) = %T, want http.DefaultTransport", got)
	}
}

func TestMetrics_limiter(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	m.LimiterWaited("api", 300*time.Millisecond)
	m.LimiterWaited("api", 0)
	m.LimiterDeferred("api", 2*time.Second)
	m.LimiterRate("api", 15)
	m.LimiterRate("api", 7.5)
	want := `
# HELP basiq_worker_ratelimit_deferred_total Calls to Basiq the shared rate limiter sent back (turn more than its longest wait away; the task is retried later), by limit.
# TYPE basiq_worker_ratelimit_deferred_total counter
basiq_worker_ratelimit_deferred_total{limit="api"} 1
# HELP basiq_worker_ratelimit_rate Current shared rate of the Basiq rate limiter in requests per second, lowered after 429s, by limit.
# TYPE basiq_worker_ratelimit_rate gauge
basiq_worker_ratelimit_rate{limit="api"} 7.5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"basiq_worker_ratelimit_deferred_total", "basiq_worker_ratelimit_rate"); err != nil {
		t.Error(err)
	}
	if got := testutil.CollectAndCount(reg, "basiq_worker_ratelimit_wait_seconds"); got != 1 {
		t.Errorf("series of basiq_worker_ratelimit_wait_seconds = %d, want 1", got)
	}
	var none *Metrics
	none.LimiterWaited("api", time.Second)
	none.LimiterDeferred("api", time.Second)
	none.LimiterRate("api", 1)
}
