// Package webhook delivers every result event to the application's URL as a
// signed Standard Webhooks POST (headers webhook-id, webhook-timestamp,
// webhook-signature; see wire.SignWebhook and tasks/webhook.Verify).
//
// A Dispatcher follows the results stream with a Redis consumer group
// (XREADGROUP, XACK), so several worker processes share the work and an
// event read but not handed on before a crash is read again (and claimed
// from a dead consumer after ClaimIdle). It enqueues one wire.TypeDeliverWebhook
// task per event, with task id "webhook:<event id>": a second enqueue of the
// same event is rejected. Run serves those tasks with a small asynq.Server
// of its own on its own queue, so a slow application endpoint cannot take
// the worker slots that poll Basiq.
//
// Delivery: the body is the event JSON as stored on the stream. A 2xx
// answer ends the task; 4xx other than 408 and 429 archives it at once
// (asynq.SkipRetry); anything else is retried after 5s, 5m, 30m, 2h, 5h,
// 10h, 10h... (with 10% jitter, never sooner than a 429's Retry-After).
package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/asynqlog"
	"github.com/basiq-worker/basiq-worker/internal/taskmux"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Defaults of Options.
const (
	DefaultQueue       = "webhooks"
	DefaultConcurrency = 4
	DefaultTimeout     = 10 * time.Second
	DefaultMaxRetry    = 12
	DefaultGroup       = "webhooks"
)

// Options configures Run.
type Options struct {
	// Redis holds the results stream and the delivery tasks (asynq's
	// server and client on it, FromRedisClient). Required; Run does not
	// close it.
	Redis redis.UniversalClient
	// Namespace of the results (default tasks.DefaultNamespace).
	Namespace string
	// URL receives the POSTs. Required.
	URL string
	// Secret signs them (tasks/webhook.ParseSecret of WEBHOOK_SECRET). Required.
	Secret []byte
	// Queue of the delivery tasks (default DefaultQueueFor(Namespace)).
	Queue string
	// Concurrency is the number of deliveries at once (default 4).
	Concurrency int
	// Timeout of one POST (default 10s).
	Timeout time.Duration
	// MaxRetry is how many times a delivery is retried (default 12, about 3 days).
	MaxRetry int
	// RetryDelay overrides the delay before retry n (n = 1, 2, ...); tests use milliseconds.
	RetryDelay func(n int) time.Duration
	// Group is the consumer group on the results stream (default "webhooks");
	// Consumer names this process in it (default host-pid).
	Group, Consumer string
	// StartFrom is where a new consumer group starts: "$" (default) only
	// events published from now on, "0" the whole stream.
	StartFrom string
	// ClaimIdle is how long an event may stay read but unacknowledged by
	// another consumer before this one takes it over (default 1m).
	ClaimIdle time.Duration
	// HTTPClient sends the POSTs (default: a client with Timeout).
	HTTPClient *http.Client
	// Logger receives one line per delivery; the zero Logger logs nothing.
	Logger zerolog.Logger
}

func (o Options) withDefaults() (Options, error) {
	switch {
	case o.Redis == nil:
		return o, errors.New("webhook: Redis is required")
	case o.URL == "":
		return o, errors.New("webhook: URL is required")
	case len(o.Secret) == 0:
		return o, errors.New("webhook: Secret is required")
	}
	if o.Namespace == "" {
		o.Namespace = tasks.DefaultNamespace
	}
	if o.Queue == "" {
		o.Queue = DefaultQueueFor(o.Namespace)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRetry <= 0 {
		o.MaxRetry = DefaultMaxRetry
	}
	if o.Group == "" {
		o.Group = DefaultGroup
	}
	if o.Consumer == "" {
		host, _ := os.Hostname()
		o.Consumer = host + "-" + strconv.Itoa(os.Getpid())
	}
	if o.StartFrom == "" {
		o.StartFrom = "$"
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = time.Minute
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.Timeout}
	}
	return o, nil
}

// DefaultQueueFor is the queue of the webhook deliveries of namespace ns:
// DefaultQueue for tasks.DefaultNamespace (or ""), "<ns>-webhooks" for any
// other, so deployments sharing one Redis never deliver each other's events.
func DefaultQueueFor(ns string) string {
	if ns == "" || ns == tasks.DefaultNamespace {
		return DefaultQueue
	}
	return ns + "-" + DefaultQueue
}

// Run dispatches and delivers webhooks until ctx is done.
func Run(ctx context.Context, opts Options) error {
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	srv := asynq.NewServerFromRedisClient(opts.Redis, asynq.Config{
		Concurrency: opts.Concurrency, Queues: map[string]int{opts.Queue: 1},
		RetryDelayFunc: retryDelay(opts.RetryDelay), DelayedTaskCheckInterval: time.Second,
		IsFailure: func(err error) bool { return err != nil },
		Logger:    asynqlog.New(opts.Logger), LogLevel: asynq.WarnLevel, ShutdownTimeout: opts.Timeout + time.Second,
	})
	mux := asynq.NewServeMux()
	mux.Handle(wire.TypeDeliverWebhook, &Deliverer{URL: opts.URL, Secret: opts.Secret, Client: opts.HTTPClient, Logger: opts.Logger})
	mux.Use(taskmux.Exact(func(_ context.Context, _ *asynq.Task, err error) {
		opts.Logger.Error().Err(err).Str("queue", opts.Queue).Msg("no handler for task type, archived")
	}, wire.TypeDeliverWebhook))
	if err := srv.Start(mux); err != nil {
		return fmt.Errorf("webhook: start: %w", err)
	}
	defer srv.Shutdown()
	client := asynq.NewClientFromRedisClient(opts.Redis) // shared: not closed
	d := &Dispatcher{rdb: opts.Redis, enq: client, opts: opts}
	opts.Logger.Info().Str("url", opts.URL).Str("queue", opts.Queue).Msg("webhooks started")
	return d.Run(ctx)
}
