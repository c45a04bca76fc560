// Package app is the one wiring of a worker process, shared by
// basiq-worker, basiq-dev and basiq-bench's worker children: on one Redis
// client it builds the worker (which builds its own Basiq client), and runs it
// with the refresh scheduler, the webhook deliveries and the admin server
// (metrics, probes, web UI) until the context is done or one of them fails.
// It also routes go-redis's own log lines onto the process's logger
// (internal/redislog).
package app

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"

	"github.com/basiq-worker/basiq-worker/internal/redislog"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/basiq-worker/basiq-worker/worker/admin"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/basiq-worker/basiq-worker/worker/metrics"
	"github.com/basiq-worker/basiq-worker/worker/schedule"
	"github.com/basiq-worker/basiq-worker/worker/webhook"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Options are what one worker process runs. Everything uses Redis: the
// process opens one pool.
type Options struct {
	// Redis is the process's one client. Required; Run does not close it.
	Redis redis.UniversalClient
	// Worker is the worker's configuration (worker.DefaultConfig with the
	// process's settings, APIKey and Keyring). New sets its Redis, Logger
	// and Observer (the process's metrics, which also measure the calls to
	// Basiq and the rate limiter).
	Worker worker.Config
	// Listener, when set, serves the admin routes (Admin); Run closes it.
	// New sets Admin's Redis and Registry.
	Listener net.Listener
	Admin    admin.Options
	// Webhook delivers the results to Webhook.URL when it is set (Secret
	// required). New sets its Redis, Namespace and Logger.
	Webhook webhook.Options
	// Schedule is the refresh scheduler's; New sets its Redis, Namespace
	// and Logger.
	Schedule schedule.Options
	// BasiqHooks receives Basiq's webhooks at BasiqHooksPath (default
	// basiqhooks.DefaultPath) on the admin server, beside Admin.Routes,
	// when Secrets are set (Listener required). New sets its Redis,
	// Namespace, Enqueuer, Queue (the worker's first-priority queue) and
	// Logger.
	BasiqHooks     basiqhooks.Options
	BasiqHooksPath string
	// BasiqHooksURL is where Basiq delivers to this receiver from outside
	// (BASIQ_WEBHOOK_URL). When set, Run first makes sure Basiq has a
	// subscription for it (basiqhooks.Register: found by URL, else created,
	// once across restarts and workers), and the receiver verifies with its
	// secret too; Run fails, naming the cause, when that fails.
	BasiqHooksURL string
	// Registry receives the metrics (default: a new one).
	Registry *prometheus.Registry
	// Logger is the process's; the scheduler, the webhooks and the admin
	// server log with a "component" field.
	Logger zerolog.Logger
}

// Process is a wired worker process, ready to Run.
type Process struct {
	o      Options
	worker *worker.Worker
	admin  *admin.Handler
	hooks  *basiqhooks.Receiver
}

// New builds the process: the worker and the admin handler. It connects to nothing; a bad option is reported here.
func New(o Options) (*Process, error) {
	if o.Redis == nil {
		return nil, errors.New("app: Redis is required")
	}
	// go-redis's own lines (dial failures in an outage) onto the process's
	// log, rate-limited; process-wide (redis.SetLogger).
	redislog.Install(o.Logger)
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.Worker.Namespace == "" {
		o.Worker.Namespace = worker.DefaultConfig().Namespace
	}
	wc := o.Worker
	wc.Redis, wc.Logger, wc.Observer = o.Redis, o.Logger, metrics.New(o.Registry)
	p := &Process{o: o}
	var err error
	if p.worker, err = worker.New(wc); err != nil {
		return nil, err
	}
	if (len(o.BasiqHooks.Secrets) > 0 || o.BasiqHooksURL != "") && o.Listener == nil {
		return nil, errors.New("app: Basiq's webhooks need the HTTP server (HTTP_ADDR)")
	}
	if o.Listener != nil {
		ao := o.Admin
		ao.Redis, ao.Registry, ao.Namespace = o.Redis, o.Registry, wc.Namespace
		if ao.Routes, p.hooks, err = o.routes(wc); err != nil {
			return nil, err
		}
		if p.admin, err = admin.New(ao); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// routes are Admin.Routes and the receiver of Basiq's webhooks, if any
// (with Basiq's secrets, or a BasiqHooksURL to register).
func (o Options) routes(wc worker.Config) (map[string]http.Handler, *basiqhooks.Receiver, error) {
	routes := maps.Clone(o.Admin.Routes)
	if len(o.BasiqHooks.Secrets) == 0 && o.BasiqHooksURL == "" {
		return routes, nil, nil
	}
	bo := o.BasiqHooks
	bo.Redis, bo.Namespace, bo.Logger = o.Redis, wc.Namespace, o.component("basiq-webhooks")
	bo.Enqueuer, bo.Queue = asynq.NewClientFromRedisClient(o.Redis), firstQueue(wc.Queues)
	bo.Registered = o.BasiqHooksURL != ""
	rc, err := basiqhooks.New(bo)
	if err != nil {
		return nil, nil, err
	}
	path := o.BasiqHooksPath
	if path == "" {
		path = basiqhooks.DefaultPath
	}
	if _, taken := routes["POST "+path]; taken {
		return nil, nil, fmt.Errorf("app: Admin.Routes already serve POST %s, where Basiq's webhooks go", path)
	}
	if routes == nil {
		routes = map[string]http.Handler{}
	}
	routes["POST "+path] = rc
	return routes, rc, nil
}

// firstQueue is the queue of the highest priority (by name on a tie).
func firstQueue(qs map[string]int) string {
	best, bestP := tasks.DefaultQueue, -1
	for q, p := range qs {
		if p > bestP || (p == bestP && q < best) {
			best, bestP = q, p
		}
	}
	return best
}

func (o Options) component(name string) zerolog.Logger {
	return o.Logger.With().Str("component", name).Logger()
}
