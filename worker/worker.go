package worker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Config configures a Worker. Start from DefaultConfig and set Redis,
// Basiq and Keyring, which are required; a zero value of any other field
// takes its DefaultConfig value (noted on each field).
type Config struct {
	// Redis is the process's one client: asynq's server, client and
	// inspector run on it (New*FromRedisClient) with the start records, the
	// results and the MFA records. Run does not close it.
	Redis redis.UniversalClient
	// Namespace prefixes the worker's and the results' keys (default
	// tasks.DefaultNamespace); apps' tasks.Client must use the same.
	Namespace string
	// Basiq is the API (NewBasiq over an *sdk.Client built with MaxAttempts 1).
	Basiq Basiq
	// Keyring opens the sealed credentials and MFA answers.
	Keyring *tasks.Keyring
	// APIVersion is the Basiq API version Basiq is spoken in: 1.0, 2.0,
	// 2.1 or 3.0 (default 3.0, what Basiq serves new partners). Under 3.0 a
	// credentials create or update fails at once (CodeConsentFlowRequired)
	// without calling Basiq: connections start in the Consent UI and are
	// followed (tasks.TypeFollowJobs). It must match the Basiq client's.
	APIVersion string
	// Concurrency is the number of tasks processed at once (default 20).
	Concurrency int
	// Queues maps queue names to priorities (default {"default": 1}).
	// Follow-up polls go to the queue of the task that scheduled them.
	Queues map[string]int
	// Policy is the poll back-off (default 500ms, ×1.5, at most 5s, ±20%).
	Policy PollPolicy
	// JobDeadline is how long a job may run, counted from the task's
	// enqueue time, when the task sets no deadline (default 10m).
	JobDeadline time.Duration
	// StepRetries is how many times a connection is refreshed after an
	// institution-side failure (maintenance, ...) (default 3; negative for none).
	StepRetries int
	// StepRetryDelay is the wait before the first such refresh, doubling
	// each time (default 1m).
	StepRetryDelay time.Duration
	// UnavailablePoll is how often a job whose step failed with
	// service-unavailable is looked at again, until the task's deadline:
	// Basiq retries such a job itself for days, so it is followed slowly
	// instead of refreshed (default 5m; negative: refresh it like the other
	// institution-side failures).
	UnavailablePoll time.Duration
	// PollMaxRetry is asynq's MaxRetry of poll tasks (default 20).
	PollMaxRetry int
	// ReconcileAfter is how long after a create was sent its lost answer
	// is settled by looking at Basiq: a matching job found then is adopted,
	// none means the create took no effect and it is sent again. It must
	// exceed the Basiq call timeout, so that no call of another task is
	// still in flight (default 1m).
	ReconcileAfter time.Duration
	// DelayedTaskCheckInterval is how often asynq moves due scheduled and
	// retry tasks to their queue (default 250ms; asynq's own is 5s).
	DelayedTaskCheckInterval time.Duration
	// TaskCheckInterval bounds the pickup latency from an empty queue
	// (default 200ms).
	TaskCheckInterval time.Duration
	// ShutdownTimeout is how long Run waits for running handlers once ctx
	// is done; unfinished tasks go back to their queue (default 25s).
	ShutdownTimeout time.Duration
	// ResultRetention is how long finished poll tasks, and so their results,
	// stay visible in the web UI (default 24h).
	ResultRetention time.Duration
	// ResultsMaxLen caps the results stream at about this many entries
	// (default results.DefaultMaxLen).
	ResultsMaxLen int64
	// Logger receives one line per state change. The zero Logger logs nothing.
	Logger zerolog.Logger
	// Observer receives metrics; nil records nothing.
	Observer Observer
}

// Worker processes basiq-worker tasks from Redis.
type Worker struct {
	cfg      Config
	srv      *asynq.Server
	client   *asynq.Client
	handlers *handlers
}

// New builds a Worker from cfg. It connects to nothing until Run.
func New(cfg Config) (*Worker, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	acfg := asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   cfg.Queues,
		RetryDelayFunc:           retryDelayFunc(cfg.Policy, rand.Float64),
		IsFailure:                isFailure,
		ErrorHandler:             errorHandler(cfg.Logger),
		ShutdownTimeout:          cfg.ShutdownTimeout,
		DelayedTaskCheckInterval: cfg.DelayedTaskCheckInterval,
		TaskCheckInterval:        cfg.TaskCheckInterval,
		Logger:                   asynqLogger(cfg.Logger),
		LogLevel:                 asynq.WarnLevel,
	}
	w := &Worker{cfg: cfg}
	// On the shared client, none of the three is closed (asynq refuses to).
	w.srv, w.client = asynq.NewServerFromRedisClient(cfg.Redis, acfg), asynq.NewClientFromRedisClient(cfg.Redis)
	w.handlers = newHandlers(cfg, w.client)
	w.handlers.runner = asynq.NewInspectorFromRedisClient(cfg.Redis)
	return w, nil
}

// Run processes tasks until ctx is done, then shuts down gracefully: it
// stops taking tasks, gives running handlers ShutdownTimeout to finish and
// puts unfinished tasks back on their queue. It returns when shut down.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.srv.Start(w.handlers.Mux(w.cfg.Logger)); err != nil {
		return fmt.Errorf("worker: start: %w", err)
	}
	w.cfg.Logger.Info().Int("concurrency", w.cfg.Concurrency).Interface("queues", w.cfg.Queues).Msg("worker started")
	<-ctx.Done()
	w.cfg.Logger.Info().Dur("timeout", w.cfg.ShutdownTimeout).Msg("worker stopping")
	w.srv.Shutdown()
	w.cfg.Logger.Info().Msg("worker stopped")
	return nil
}
