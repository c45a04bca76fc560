package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// limiterMetrics are the figures of the shared Basiq rate limiter
// (internal/ratelimit), by limit ("api", "token").
type limiterMetrics struct {
	waits    *prometheus.HistogramVec
	deferred *prometheus.CounterVec
	rate     *prometheus.GaugeVec
}

func newLimiterMetrics(reg prometheus.Registerer) limiterMetrics {
	l := limiterMetrics{
		waits: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "ratelimit_wait_seconds",
			Help:    "Time calls to Basiq slept for their turn in the shared rate limiter, by limit (api, token); its count is the calls let through.",
			Buckets: []float64{0, .01, .05, .1, .25, .5, .75, 1},
		}, []string{"limit"}),
		deferred: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "ratelimit_deferred_total",
			Help: "Calls to Basiq the shared rate limiter sent back (turn more than its longest wait away; the task is retried later), by limit.",
		}, []string{"limit"}),
		rate: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "ratelimit_rate",
			Help: "Current shared rate of the Basiq rate limiter in requests per second, lowered after 429s, by limit.",
		}, []string{"limit"}),
	}
	reg.MustRegister(l.waits, l.deferred, l.rate)
	return l
}

// LimiterWaited records a call that slept d for its turn (ratelimit.Observer).
func (m *Metrics) LimiterWaited(limit string, d time.Duration) {
	if m == nil {
		return
	}
	m.limiter.waits.WithLabelValues(limit).Observe(d.Seconds())
}

// LimiterDeferred counts a call the limiter sent back to come again in d.
func (m *Metrics) LimiterDeferred(limit string, _ time.Duration) {
	if m == nil {
		return
	}
	m.limiter.deferred.WithLabelValues(limit).Inc()
}

// LimiterRate sets a limit's current shared rate in requests per second.
func (m *Metrics) LimiterRate(limit string, perSecond float64) {
	if m == nil {
		return
	}
	m.limiter.rate.WithLabelValues(limit).Set(perSecond)
}
