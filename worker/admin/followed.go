package admin

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/basiq-worker/basiq-worker/worker"
)

// The Basiq jobs the worker follows are not asynq tasks (worker/doc.go,
// "Waiting"), so asynqmon does not show them: /followed and the
// basiq_worker_followed_* gauges do.

// followedCollector reads the followed jobs' figures at each scrape: four
// commands, whatever the number of jobs.
type followedCollector struct {
	rdb              redis.UniversalClient
	ns               string
	count, late, lag *prometheus.Desc
}

func newFollowedCollector(rdb redis.UniversalClient, ns string) *followedCollector {
	labels := prometheus.Labels{"namespace": ns}
	return &followedCollector{rdb: rdb, ns: ns,
		count: prometheus.NewDesc("basiq_worker_followed_jobs", "Basiq jobs being followed (due for a look, or being looked at).", nil, labels),
		late: prometheus.NewDesc("basiq_worker_followed_late_jobs",
			"Followed jobs due more than a second ago that no process has claimed: the followers are behind, or none runs.", nil, labels),
		lag: prometheus.NewDesc("basiq_worker_followed_lag_seconds",
			"How long ago the earliest due followed job was due (0 when none is overdue).", nil, labels),
	}
}

func (c *followedCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.count
	ch <- c.late
	ch <- c.lag
}

func (c *followedCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	f, err := worker.ListFollowed(ctx, c.rdb, c.ns, 0)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.count, err)
		return
	}
	lag := 0.0
	if !f.NextDue.IsZero() {
		lag = max(time.Since(f.NextDue).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(f.Count))
	ch <- prometheus.MustNewConstMetric(c.late, prometheus.GaugeValue, float64(f.Late))
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, lag)
}

// maxFollowedShown bounds the jobs /followed lists.
const maxFollowedShown = 500

// followedPage serves GET /followed: the figures and the first jobs by due
// time, as HTML, or as JSON with ?format=json; ?n= sets how many (default 100).
func followedPage(rdb redis.UniversalClient, ns, uiPath string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 100
		if s := r.URL.Query().Get("n"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 {
				http.Error(w, "parameter n: want a number of jobs >= 0", http.StatusBadRequest)
				return
			}
			n = min(v, maxFollowedShown)
		}
		f, err := worker.ListFollowed(r.Context(), rdb, ns, n)
		if err != nil {
			http.Error(w, "followed jobs: Redis: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		if r.URL.Query().Get("format") == "json" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(f)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = followedTmpl.Execute(w, followedView{NS: ns, UI: strings.TrimSuffix(uiPath, "/") + "/", Followed: f, Now: time.Now()})
	})
}

type followedView struct {
	NS  string
	UI  string
	Now time.Time
	worker.Followed
}

// In returns how far t is from the page's now, rounded, e.g. "in 1.2s" or "3s ago".
func (v followedView) In(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(v.Now).Round(100 * time.Millisecond)
	if d < 0 {
		return (-d).String() + " ago"
	}
	return "in " + d.String()
}

var followedTmpl = template.Must(template.New("followed").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Followed Basiq jobs: {{.NS}}</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}</style>
</head><body>
<h1>Followed Basiq jobs</h1>
<p>Namespace <b>{{.NS}}</b>: <b id="count">{{.Count}}</b> followed, <b id="late">{{.Late}}</b> late (due over a second ago, not claimed); next due {{.In .NextDue}}.
A job being looked at is shown at the end of its lease.</p>
<table id="jobs"><tr><th>job</th><th>task</th><th>kind</th><th>step</th><th>looks</th><th>polls</th><th>errors</th><th>started</th><th>deadline</th><th>due</th></tr>
{{range .Jobs}}<tr><td>{{.JobID}}</td><td>{{.TaskID}}</td><td>{{.Kind}}</td><td>{{.Step}}</td><td>{{.Looks}}</td><td>{{.Polls}}</td><td>{{.Errs}}</td><td>{{$.In .StartedAt}}</td><td>{{$.In .Deadline}}</td><td>{{$.In .Due}}</td></tr>
{{end}}</table>
<p>The tasks that started these jobs, and every other task, are in the <a href="{{.UI}}">asynq UI</a>.</p>
</body></html>
`))
