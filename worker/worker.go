package worker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/basiqclient"
	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/internal/redact"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Config configures a Worker. Start from DefaultConfig and set Redis,
// APIKey and Keyring, which are required; a zero value of any other field
// takes its DefaultConfig value (noted on each field). Printing a Config
// with fmt masks APIKey.
type Config struct {
	// Redis is the process's one client: asynq's server, client and
	// inspector run on it (New*FromRedisClient) with the start records, the
	// results and the MFA records. Run does not close it.
	Redis redis.UniversalClient
	// Namespace prefixes the worker's and the results' keys (default
	// tasks.DefaultNamespace); apps' tasks.Client must use the same.
	Namespace string
	// Keyring opens the sealed credentials and MFA answers, and seals the
	// Basiq access token shared through Redis.
	Keyring *tasks.Keyring
	// APIKey is the Basiq API key. New builds the worker's Basiq client
	// from it, BaseURL, APIVersion, BasiqTimeout, IdleConnsPerHost and the
	// rate limits: no retries of its own (they go through asynq, never a
	// sleep in a handler), the access token shared by every process of the
	// key through Redis, sealed with Keyring, and one idle connection per
	// slot. Only a fingerprint of the key reaches Redis.
	APIKey string
	// BaseURL is Basiq's (default sdk.DefaultBaseURL).
	BaseURL string
	// APIVersion is the Basiq API version Basiq is spoken in: 1.0, 2.0,
	// 2.1 or 3.0 (default 3.0, what Basiq serves new partners). Under 3.0 a
	// credentials create or update fails at once (CodeConsentFlowRequired)
	// without calling Basiq: connections start in the Consent UI and are
	// followed (tasks.TypeFollowJobs).
	APIVersion string
	// BasiqTimeout bounds each call to Basiq (default 30s).
	BasiqTimeout time.Duration
	// IdleConnsPerHost is how many idle connections to Basiq are kept
	// (default one per slot of Concurrency and per look of FollowConcurrency).
	IdleConnsPerHost int
	// RateLimit limits the calls to Basiq of every process of the API key
	// together, shared through Redis: a call waits for its turn when it is
	// at most 10 s away (ratelimit.DefaultMaxWait), else it is retried
	// later without a request (default a zero Rate: no limit). TokenRateLimit limits their POST /token
	// (default 4 per second, burst 10: Basiq allows 1,500 per 5 minutes).
	// A 429 lowers the shared rate for a while.
	RateLimit, TokenRateLimit RateLimit
	// Basiq, for tests, replaces the Basiq client New builds: a fake, or
	// NewBasiq over an *sdk.Client built with sdk.RetryPolicy{MaxAttempts:
	// 1}. APIKey, BaseURL, BasiqTimeout, IdleConnsPerHost and the rate
	// limits are then unused; APIVersion must match the client's.
	Basiq Basiq
	// Concurrency is the number of tasks processed at once (default 128).
	Concurrency int
	// Dequeuers is the number of asynq servers that share Concurrency
	// in this process (default 4, capped at Concurrency). asynq's processor
	// takes tasks from Redis one at a time, so one server starts at most
	// one task per Redis round trip however many slots are free: doc.go,
	// "Dequeuers".
	Dequeuers int
	// Queues maps queue names to priorities (default {"default": 1}).
	// The looks at followed jobs do not go through a queue: the follower
	// runs them (FollowConcurrency), so a burst of new work does not delay them.
	Queues map[string]int
	// FollowConcurrency is the number of looks at followed Basiq jobs
	// run at once by the process's follower, besides Concurrency (default 128).
	FollowConcurrency int
	// FollowLease is how long a process holds the followed jobs it claimed
	// before another process may take them: the longest a look may take,
	// and how long the jobs of a process that died wait (default 30s).
	FollowLease time.Duration
	// FollowPeek is how often the follower looks for jobs that other
	// processes added or gave up, when nothing of its own is due sooner
	// (default 250ms).
	FollowPeek time.Duration
	// FollowBehind is how late the follower's looks may be claimed before
	// the tasks that start new Basiq jobs (creates, refreshes, follows)
	// wait for it to catch up, each at most 2s: on a saturated machine the
	// looks at running jobs go first and new work starts a little later
	// (doc.go, "Polls ahead of new work"; default 100ms, negative: never wait).
	FollowBehind time.Duration
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
	// RefreshBudget is how many refreshes a connection may have in any 24
	// hours before its scheduled refreshes are skipped (default 20, Basiq's
	// Open Banking limit; negative: no budget). See budget.go.
	RefreshBudget int
	// RefreshMinInterval is how long after a refresh of a connection its
	// scheduled refreshes are skipped (default 1h; negative: none).
	RefreshMinInterval time.Duration
	// ConsentLookup, under API 3.0, makes a refresh read the user's
	// consents from Basiq (GET /users/{id}/consents) when what the worker
	// knows is older than this; an answer serves every refresh of the user
	// for as long. Zero (the default) relies on Basiq's consent events
	// alone, which cost no call (see consent.go).
	ConsentLookup time.Duration
	// PurgeOnConsentEnd makes a consent.revoked or consent.expired event
	// also delete the user's connections at Basiq (default off); the
	// consent_revoked event lists them.
	PurgeOnConsentEnd bool
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
	// ResultRetention is how long the follow tasks a connection.created
	// webhook starts stay visible in the web UI (default 24h).
	ResultRetention time.Duration
	// ResultsMaxLen caps the results stream at about this many entries
	// (default results.DefaultMaxLen).
	ResultsMaxLen int64
	// WaitReplicas, when above 0, makes a task's writes reach that many
	// replicas (Redis WAIT) before asynq marks the task done, and a
	// create's start record before Basiq is called, so that a failover
	// discards nothing the pipeline goes on from (durable.go). Default 0;
	// basiq-worker sets 1 on redis-sentinel:// (REDIS_WAIT_REPLICAS).
	WaitReplicas int
	// WaitTimeout bounds each such wait (default 1s); a task whose writes
	// are not on the replicas by then is run again, not counted as failed.
	WaitTimeout time.Duration
	// Logger receives one line per state change. The zero Logger logs nothing.
	Logger zerolog.Logger
	// Observer receives metrics; nil records nothing. One that can also
	// wrap an HTTP transport (Transport(http.RoundTripper)
	// http.RoundTripper, as *metrics.Metrics) measures the calls to Basiq,
	// and one that is also a rate-limiter observer (*metrics.Metrics) its
	// waits.
	Observer Observer
}

// RateLimit is a rate of requests per second with a burst.
type RateLimit struct {
	Rate  float64
	Burst int
}

// String describes c with APIKey masked.
func (c Config) String() string {
	return fmt.Sprintf("worker.Config{Namespace: %q, APIKey: %s, BaseURL: %q, APIVersion: %q, Concurrency: %d, Queues: %v}",
		c.Namespace, redact.Secret(c.APIKey), c.BaseURL, c.APIVersion, c.Concurrency, c.Queues)
}

// GoString is String: no verb prints APIKey.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb, so that no verb shows APIKey.
func (c Config) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Worker processes basiq-worker tasks from Redis.
type Worker struct {
	cfg      Config
	srvs     []*asynq.Server
	client   *asynq.Client
	handlers *handlers
	follower *follower
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
	if cfg.Basiq == nil {
		api, err := basiqclient.New(cfg.basiqClient())
		if err != nil {
			return nil, fmt.Errorf("worker: Basiq client: %w", err)
		}
		cfg.Basiq = NewBasiq(api)
	}
	w := &Worker{cfg: cfg}
	// On the shared client, none of these is closed (asynq refuses to).
	for _, c := range dequeuerConfigs(acfg, cfg.Dequeuers) {
		w.srvs = append(w.srvs, asynq.NewServerFromRedisClient(cfg.Redis, c))
	}
	w.client = asynq.NewClientFromRedisClient(cfg.Redis)
	w.handlers = newHandlers(cfg, w.client)
	w.follower = newFollower(w.handlers, cfg)
	w.handlers.sched = w.follower
	return w, nil
}

// Run processes tasks and follows Basiq jobs until ctx is done, then shuts
// down gracefully: it stops taking tasks and claiming jobs, gives running
// handlers ShutdownTimeout to finish and puts unfinished tasks back on
// their queue; the looks under way finish and are written back. It returns
// when shut down.
func (w *Worker) Run(ctx context.Context) error {
	mux := w.handlers.Mux(w.cfg.Logger)
	for i, srv := range w.srvs {
		if err := srv.Start(mux); err != nil {
			shutdown(w.srvs[:i])
			return fmt.Errorf("worker: start: %w", err)
		}
	}
	followed := make(chan struct{})
	go func() { defer close(followed); w.follower.run(ctx) }()
	w.cfg.Logger.Info().Int("concurrency", w.cfg.Concurrency).Int("dequeuers", len(w.srvs)).
		Int("follow_concurrency", w.cfg.FollowConcurrency).
		Interface("queues", w.cfg.Queues).Msg("worker started")
	<-ctx.Done()
	w.cfg.Logger.Info().Dur("timeout", w.cfg.ShutdownTimeout).Msg("worker stopping")
	shutdown(w.srvs)
	<-followed
	w.cfg.Logger.Info().Msg("worker stopped")
	return nil
}

// dequeuerConfigs splits c's Concurrency between n asynq servers, the
// first ones taking the remainder. Only the first forwards scheduled and
// retried tasks to their queues every DelayedTaskCheckInterval and deletes
// expired ones: the others do it rarely, a backstop that costs Redis
// almost nothing while idle.
func dequeuerConfigs(c asynq.Config, n int) []asynq.Config {
	n = max(1, min(n, c.Concurrency))
	out := make([]asynq.Config, n)
	for i := range out {
		out[i] = c
		out[i].Concurrency = c.Concurrency / n
		if i < c.Concurrency%n {
			out[i].Concurrency++
		}
		if i > 0 {
			out[i].DelayedTaskCheckInterval = max(c.DelayedTaskCheckInterval, backstopInterval)
			out[i].JanitorInterval = backstopInterval
		}
	}
	return out
}

// backstopInterval is how often the second and later dequeuers forward
// and clean: the first does it every DelayedTaskCheckInterval.
const backstopInterval = time.Minute

// shutdown shuts srvs down at once: each gives its running handlers
// ShutdownTimeout, so one after another would take n times as long.
func shutdown(srvs []*asynq.Server) {
	var wg sync.WaitGroup
	for _, srv := range srvs {
		wg.Go(srv.Shutdown)
	}
	wg.Wait()
}

// transportWrapper is an Observer that measures HTTP calls
// (*metrics.Metrics).
type transportWrapper interface {
	Transport(http.RoundTripper) http.RoundTripper
}

// basiqClient is how New builds the Basiq client from c's settings.
func (c Config) basiqClient() basiqclient.Options {
	o := basiqclient.Options{APIKey: c.APIKey, BaseURL: c.BaseURL, APIVersion: c.APIVersion,
		Redis: c.Redis, Namespace: c.Namespace, Keyring: c.Keyring,
		Concurrency: c.Concurrency + c.FollowConcurrency, IdleConnsPerHost: c.IdleConnsPerHost, Timeout: c.BasiqTimeout,
		RateLimit: ratelimit.Limit(c.RateLimit), TokenRateLimit: ratelimit.Limit(c.TokenRateLimit)}
	if c.Observer != nil {
		o.Observer = c.Observer
		if tw, ok := c.Observer.(transportWrapper); ok {
			o.WrapTransport = tw.Transport
		}
	}
	return o
}
