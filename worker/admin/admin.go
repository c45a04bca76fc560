// Package admin is the worker's HTTP server: Prometheus metrics, liveness and readiness
// probes, and the asynqmon web UI behind basic authentication.
//
// Routes:
//
//	/metrics  the Registry (the worker's basiq_worker_ figures), asynq queue gauges, Go and process collectors
//	/healthz  200 "ok" while the process serves HTTP
//	/readyz   200 "ok" when Redis answers PING within a second, else 503 with the reason
//	/ui/      the asynqmon UI and its /ui/api (when UIEnabled; the path is UIPath)
//	/followed the Basiq jobs the worker follows (when Namespace is set): figures and the
//	          first jobs by due time, HTML or ?format=json; their gauges are on /metrics
//
// When Username is set, the UI and /metrics ask for basic authentication; the probes never do.
package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/basiq-worker/basiq-worker/internal/asynqconn"
	"github.com/hibiken/asynq"
	asynqmetrics "github.com/hibiken/asynq/x/metrics"
	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

// DefaultUIPath is where the UI is mounted when Options.UIPath is empty.
const DefaultUIPath = "/ui"

// Options configures the admin server.
type Options struct {
	// Redis serves the UI, the queue gauges and /readyz: the process's one
	// client, which the handler never closes. Required.
	Redis redis.UniversalClient
	// Registry is served at /metrics. When nil, a new one is made (see Handler.Registry).
	Registry *prometheus.Registry
	// UIEnabled mounts the asynqmon UI at UIPath (default "/ui").
	UIEnabled bool
	UIPath    string
	// UIReadOnly lets the UI only read: every API call other than GET is refused.
	UIReadOnly bool
	// Username and Password protect the UI and /metrics with basic authentication when
	// Username is set. Use RequireAuth to decide whether they must be.
	Username, Password string
	// Queues limits the asynq queue gauges to these queues; empty means every queue in Redis.
	Queues []string
	// Namespace is the worker's: when set, /followed and the
	// basiq_worker_followed_* gauges show the Basiq jobs it follows, which
	// are not asynq tasks and so not in the UI.
	Namespace string
	// Routes are more routes (ServeMux patterns, such as "POST /basiq/webhooks"),
	// served as given: they authenticate their requests themselves.
	Routes map[string]http.Handler
}

// Handler serves the admin routes. It holds no connection of its own:
// everything runs on Options.Redis.
type Handler struct {
	mux *http.ServeMux
	reg *prometheus.Registry
}

// New builds the admin handler described in the package documentation.
func New(opts Options) (*Handler, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	h := &Handler{mux: http.NewServeMux(), reg: opts.Registry}
	if h.reg == nil {
		h.reg = prometheus.NewRegistry()
	}
	rdb := opts.Redis
	inspector := asynq.NewInspectorFromRedisClient(rdb) // shared: never closed
	if err := h.registerCollectors(asynqmetrics.NewQueueMetricsCollector(inspector), opts.Queues); err != nil {
		return nil, err
	}

	protect := func(next http.Handler) http.Handler { return next }
	if opts.Username != "" {
		protect = func(next http.Handler) http.Handler {
			return basicAuth(next, "basiq-worker", opts.Username, opts.Password)
		}
	}
	h.mux.Handle("GET /metrics", protect(promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{
		Registry: h.reg,
		// A collector that fails (asynq's queue gauges during a Redis
		// hiccup, or a queue deleted mid-scrape) must not blank the
		// worker's own metrics: serve what was gathered; the failure is
		// counted in promhttp_metric_handler_errors_total.
		ErrorHandling: promhttp.ContinueOnError,
	})))
	if opts.Namespace != "" {
		if err := h.reg.Register(newFollowedCollector(rdb, opts.Namespace)); err != nil {
			return nil, fmt.Errorf("admin: register followed jobs metrics: %w", err)
		}
		h.mux.Handle("GET /followed", protect(followedPage(rdb, opts.Namespace, opts.uiPath())))
	}
	h.mux.HandleFunc("GET /healthz", healthz)
	h.mux.Handle("GET /readyz", readyz(rdb))
	for pattern, route := range opts.Routes {
		h.mux.Handle(pattern, route)
	}
	if opts.UIEnabled {
		root := strings.TrimSuffix(opts.uiPath(), "/")
		h.mountUI(root, opts, rdb, protect)
	}
	return h, nil
}

// mountUI serves asynqmon at root on the shared client. asynqmon takes
// only a RedisConnOpt and its Close would close what that makes, here the
// shared client: it is never called, asynqmon holds nothing else.
func (h *Handler) mountUI(root string, opts Options, rdb redis.UniversalClient, protect func(http.Handler) http.Handler) {
	ui := asynqmon.New(asynqmon.Options{RootPath: root, RedisConnOpt: asynqconn.Shared(rdb), ReadOnly: opts.UIReadOnly})
	h.mux.Handle(root+"/", protect(ui))
	h.mux.Handle(root, protect(ui))
}

func (o Options) uiPath() string {
	if o.UIPath == "" {
		return DefaultUIPath
	}
	return o.UIPath
}

func (o Options) validate() error {
	if o.Redis == nil {
		return errors.New("admin: Redis is required")
	}
	if o.Username != "" && o.Password == "" {
		return errors.New("admin: Password is required with Username")
	}
	if p := o.uiPath(); o.UIEnabled && (!strings.HasPrefix(p, "/") || p == "/" || strings.ContainsAny(p, " {}")) {
		return fmt.Errorf("admin: UIPath %q must start with / and name a path below the root", p)
	}
	return nil
}

func (h *Handler) registerCollectors(queues prometheus.Collector, only []string) error {
	if len(only) > 0 {
		queues = filterQueues(queues, only)
	}
	if err := h.reg.Register(queues); err != nil {
		return fmt.Errorf("admin: register asynq queue metrics: %w", err)
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		// The caller may have registered these already on a shared registry: keep theirs.
		if err := h.reg.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			return fmt.Errorf("admin: register runtime metrics: %w", err)
		}
	}
	return nil
}

// ServeHTTP serves the admin routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Registry is the registry served at /metrics: Options.Registry or the one New made.
func (h *Handler) Registry() *prometheus.Registry { return h.reg }
