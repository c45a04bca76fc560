package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/basiq-worker/basiq-worker/worker/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// Count and time every call to Basiq by wrapping the SDK's HTTP transport;
// the worker records polls, steps and results on the same Metrics.
func ExampleMetrics_Transport() {
	basiq := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/jobs/throttled" {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer basiq.Close()

	reg := prometheus.NewRegistry() // serve it at /metrics (worker/admin does)
	m := metrics.New(reg)
	client := &http.Client{Transport: m.Transport(nil)} // sdk.WithHTTPClient(client)
	for _, path := range []string{"/jobs/j1", "/jobs/j2", "/jobs/throttled"} {
		resp, err := client.Get(basiq.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	m.PollObserved()

	families, _ := reg.Gather()
	for _, f := range families {
		if f.GetName() != "basiq_worker_basiq_requests_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			l := s.GetLabel() // sorted by name: route, status
			fmt.Printf("%s %s: %v\n", l[0].GetValue(), l[1].GetValue(), s.GetCounter().GetValue())
		}
	}
	// Output:
	// GET /jobs/{id} 200: 2
	// GET /jobs/{id} 429: 1
}
