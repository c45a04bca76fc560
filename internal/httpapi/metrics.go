package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Metrics holds the API's Prometheus figures: requests by route and
// status, and their latency by route. Methods are safe on a nil *Metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	streams  prometheus.Gauge
}

// NewMetrics creates the metrics and registers them on reg; it panics if
// they are already registered there (a programming error).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "basiq_api", Name: "requests_total",
			Help: "HTTP API requests by route (the pattern, \"unmatched\" for none) and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "basiq_api", Name: "request_duration_seconds",
			Help:    "Latency of HTTP API requests by route (SSE streams: their whole life).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route"}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "basiq_api", Name: "event_streams",
			Help: "Open Server-Sent Events streams.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.streams)
	return m
}

func (m *Metrics) request(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *Metrics) stream(delta float64) {
	if m != nil {
		m.streams.Add(delta)
	}
}

// recorder remembers the status and the cause of a 5xx answer.
type recorder struct {
	http.ResponseWriter
	status  int
	written bool
	cause   error
}

func (r *recorder) WriteHeader(code int) {
	if !r.written {
		r.status, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.written = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush of the real writer (SSE).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe records one request in the metrics and the log: route, status
// and duration, never a body, a query or a header value.
func (s *Server) observe(r *http.Request, pattern string, rec *recorder, d time.Duration) {
	route := pattern
	if route == "" {
		route = "unmatched"
	}
	s.opts.Metrics.request(route, rec.status, d)
	level := zerolog.DebugLevel
	switch {
	case rec.status >= 500:
		level = zerolog.ErrorLevel
	case rec.status >= 400:
		level = zerolog.InfoLevel
	}
	ev := s.opts.Logger.WithLevel(level).Str("route", route).Int("status", rec.status).Dur("duration", d)
	if rec.cause != nil {
		ev = ev.AnErr("cause", rec.cause)
	}
	ev.Msg("request")
}
