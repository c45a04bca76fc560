// Package metrics holds the Prometheus figures of the worker: calls to Basiq, job polls,
// step and job durations, published results, token refreshes, retry waits and the shared
// rate limiter's waits and rates.
//
// Every method is safe on a nil *Metrics, so code and tests that do not care can pass nil.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "basiq_worker"

// Metrics records the worker's figures on the Registerer given to New.
type Metrics struct {
	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	throttled       prometheus.Counter
	polls           prometheus.Counter
	pollsPerJob     prometheus.Histogram
	stepDuration    *prometheus.HistogramVec
	results         *prometheus.CounterVec
	jobDuration     prometheus.Histogram
	tokenRefreshes  prometheus.Counter
	retryWaits      *prometheus.CounterVec
	retryWaitTime   *prometheus.HistogramVec
	rejected        *prometheus.CounterVec
	limiter         limiterMetrics
}

// New creates the metrics and registers them on reg. It panics if any of them is already
// registered there, as prometheus.MustRegister does: that is a programming error.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "basiq_requests_total",
			Help: "Calls to the Basiq API by route and HTTP status (\"error\" when no response came back).",
		}, []string{"route", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "basiq_request_duration_seconds",
			Help:    "Latency of calls to the Basiq API by route.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "throttled_total",
			Help: "Responses from the Basiq API with status 429 Too Many Requests.",
		}),
		polls: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "polls_total",
			Help: "Polls of Basiq jobs.",
		}),
		pollsPerJob: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "polls_per_job",
			Help:    "Polls needed to follow one Basiq job to its end.",
			Buckets: []float64{1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50},
		}),
		stepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "step_duration_seconds",
			Help:    "Time of one Basiq job step as seen by the worker, by step and final status.",
			Buckets: []float64{.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120},
		}, []string{"step", "status"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "results_total",
			Help: "Published job results by outcome.",
		}, []string{"outcome"}),
		jobDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "job_duration_seconds",
			Help:    "Time from the start of a Basiq job to its published result.",
			Buckets: []float64{1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 120, 300, 600},
		}),
		tokenRefreshes: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "token_refreshes_total",
			Help: "Basiq access token refreshes.",
		}),
		retryWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "retry_waits_total",
			Help: "Waits before retrying a Basiq call, by reason (throttled, transient, maintenance).",
		}, []string{"reason"}),
		retryWaitTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "retry_wait_seconds",
			Help:    "Length of waits before retrying a Basiq call, by reason.",
			Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 30, 60, 300},
		}, []string{"reason"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "tasks_rejected_total",
			Help: "Tasks archived on their first delivery, by reason (unknown-type, invalid-payload).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.requests, m.requestDuration, m.throttled, m.polls, m.pollsPerJob,
		m.stepDuration, m.results, m.jobDuration, m.tokenRefreshes, m.retryWaits, m.retryWaitTime, m.rejected)
	m.limiter = newLimiterMetrics(reg)
	return m
}

// PollObserved counts one poll of a Basiq job.
func (m *Metrics) PollObserved() {
	if m == nil {
		return
	}
	m.polls.Inc()
}

// StepFinished records how long a job step took, by step name and its final status.
func (m *Metrics) StepFinished(step, status string, d time.Duration) {
	if m == nil {
		return
	}
	m.stepDuration.WithLabelValues(step, status).Observe(d.Seconds())
}

// ResultPublished counts a published result by outcome and records the polls and the
// time the job took.
func (m *Metrics) ResultPublished(outcome string, polls int, total time.Duration) {
	if m == nil {
		return
	}
	m.results.WithLabelValues(outcome).Inc()
	m.pollsPerJob.Observe(float64(polls))
	m.jobDuration.Observe(total.Seconds())
}

// TokenRefreshed counts one refresh of the Basiq access token.
func (m *Metrics) TokenRefreshed() {
	if m == nil {
		return
	}
	m.tokenRefreshes.Inc()
}

// RetryWait records a wait before a retry, by reason ("throttled", "transient",
// "maintenance").
func (m *Metrics) RetryWait(reason string, d time.Duration) {
	if m == nil {
		return
	}
	m.retryWaits.WithLabelValues(reason).Inc()
	m.retryWaitTime.WithLabelValues(reason).Observe(d.Seconds())
}

// TaskRejected counts a task archived on its first delivery, by reason
// ("unknown-type": no handler serves its type; "invalid-payload": its payload
// does not decode or holds an id out of bounds).
func (m *Metrics) TaskRejected(reason string) {
	if m == nil {
		return
	}
	m.rejected.WithLabelValues(reason).Inc()
}

// Transport wraps base (http.DefaultTransport when nil) so that every call to Basiq is
// counted by route and status and timed by route. On a nil *Metrics it returns base as is.
func (m *Metrics) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if m == nil {
		return base
	}
	return &transport{m: m, base: base}
}

type transport struct {
	m    *Metrics
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	route := Route(req.Method, req.URL.Path)
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	t.m.requestDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			t.m.throttled.Inc()
		}
	}
	t.m.requests.WithLabelValues(route, status).Inc()
	return resp, err
}
