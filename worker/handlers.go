package worker

import (
	"context"
	"github.com/basiq-worker/basiq-worker/internal/sealing"
	"math/rand/v2"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/durable"
	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/taskmux"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// enqueuer schedules follow-up tasks; *asynq.Client implements it.
type enqueuer interface {
	EnqueueContext(ctx context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// scheduler follows a chain's job from due on, unless it is followed
// already, and holds new work while its looks run late (admit);
// *follower implements it.
type scheduler interface {
	add(ctx context.Context, p pollPayload, due time.Time) error
	admit(ctx context.Context)
}

// publisher publishes result events exactly once per event id;
// *results.Publisher implements it.
type publisher interface {
	Publish(ctx context.Context, e tasks.Event) (bool, error)
	Progress(ctx context.Context, p tasks.Progress) error
}

// handlers processes the worker's task types. Each handler makes at most a
// few Basiq calls and returns: waiting is a scheduled follow-up task, never
// a sleep. Every handler is safe to run twice (asynq delivers at least once).
type handlers struct {
	sched   scheduler
	basiq   Basiq
	keyring *sealing.Keyring
	rdb     redis.UniversalClient
	enq     enqueuer
	pub     publisher
	ns      string
	// apiVersion is Config.APIVersion: under 3.0 credentials are refused.
	apiVersion string
	policy     PollPolicy
	deadline   time.Duration
	retention  time.Duration
	pollRetry  int
	stepRetry  int
	stepDelay  time.Duration
	// unavailable is Config.UnavailablePoll (decide.go's rules).
	unavailable time.Duration
	// refreshBudget and refreshMin hold back scheduled refreshes (0: no
	// limit); consentLookup is Config.ConsentLookup; purge
	// Config.PurgeOnConsentEnd.
	refreshBudget int
	refreshMin    time.Duration
	consentLookup time.Duration
	purge         bool
	// persistFor bounds the retries of a Redis write that must not be lost
	// (persist); tests shorten it.
	persistFor     time.Duration
	reconcileAfter time.Duration // Config.ReconcileAfter
	obs            Observer
	// replicas waits for the writes a task's next step rests on to reach
	// the replicas (durable.go); nil waits for nothing.
	replicas *durable.Waiter
	expect   *expectations
	now      func() time.Time
	rnd      func() float64
}

// newHandlers wires the handlers from a validated config.
func newHandlers(cfg Config, enq enqueuer) *handlers {
	return &handlers{
		basiq:          cfg.Basiq,
		keyring:        (*sealing.Keyring)(cfg.Keyring),
		rdb:            cfg.Redis,
		enq:            enq,
		pub:            results.NewPublisher(cfg.Redis, results.WithNamespace(cfg.Namespace), results.WithMaxLen(cfg.ResultsMaxLen)),
		ns:             cfg.Namespace,
		apiVersion:     cfg.APIVersion,
		policy:         cfg.Policy,
		deadline:       cfg.JobDeadline,
		retention:      cfg.ResultRetention,
		pollRetry:      cfg.PollMaxRetry,
		stepRetry:      cfg.StepRetries,
		stepDelay:      cfg.StepRetryDelay,
		unavailable:    cfg.UnavailablePoll,
		refreshBudget:  cfg.RefreshBudget,
		refreshMin:     cfg.RefreshMinInterval,
		consentLookup:  cfg.ConsentLookup,
		purge:          cfg.PurgeOnConsentEnd,
		persistFor:     persistFor,
		reconcileAfter: cfg.ReconcileAfter,
		obs:            observerOrNop(cfg.Observer),
		replicas:       durable.New(cfg.Redis, cfg.WaitReplicas, cfg.WaitTimeout),
		expect:         newExpectations(cfg.Basiq),
		now:            time.Now,
		rnd:            rand.Float64,
	}
}

// Mux returns an asynq.ServeMux routing every task type of package tasks
// that the worker handles, wrapped in the logging middleware. A task of
// any other type is archived at once (see rejectUnknown).
func (h *handlers) Mux(log zerolog.Logger) *asynq.ServeMux {
	routes := map[string]asynq.HandlerFunc{
		tasks.TypeCreateConnection:  h.CreateConnection,
		tasks.TypeUpdateConnection:  h.UpdateConnection,
		tasks.TypeRefreshConnection: h.RefreshConnection,
		tasks.TypeRefreshAll:        h.RefreshAll,
		wire.TypePollJob:            h.adopt,
		tasks.TypeAnswerMFA:         h.AnswerMFA,
		tasks.TypeFollowJobs:        h.FollowJobs,
		basiqhooks.TypeEvent:        h.BasiqEvent,
	}
	mux := asynq.NewServeMux()
	mux.Use(logMiddleware(log), h.durableAck, h.countRejected)
	types := make([]string, 0, len(routes))
	for typ, handler := range routes {
		mux.Handle(typ, handler)
		types = append(types, typ)
	}
	mux.Use(taskmux.Exact(h.rejectUnknown, types...))
	return mux
}

// attempt describes the delivery of the task being processed.
type attempt struct {
	taskID string
	queue  string
	retry  int  // retries so far
	last   bool // no retry left after this one
}

// attemptKey lets tests that call ProcessTask directly set the attempt
// (asynq's own context keys are internal).
type attemptKey struct{}

func attemptOf(ctx context.Context) attempt {
	if a, ok := ctx.Value(attemptKey{}).(attempt); ok {
		return a
	}
	a := attempt{}
	a.taskID, _ = asynq.GetTaskID(ctx)
	a.queue, _ = asynq.GetQueueName(ctx)
	a.retry, _ = asynq.GetRetryCount(ctx)
	if maxRetry, ok := asynq.GetMaxRetry(ctx); ok {
		a.last = a.retry >= maxRetry
	}
	return a
}

// jobDeadline is the deadline of a job started for a task: the payload's
// own, or the worker default counted from the enqueue time.
func (h *handlers) jobDeadline(own, enqueuedAt time.Time) time.Time {
	if !own.IsZero() {
		return own
	}
	if enqueuedAt.IsZero() || enqueuedAt.After(h.now()) {
		enqueuedAt = h.now()
	}
	return enqueuedAt.Add(h.deadline)
}
