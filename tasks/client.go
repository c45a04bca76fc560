package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/durable"
	"github.com/basiq-worker/basiq-worker/internal/sealing"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Defaults and limits of the Client and the results layout.
const (
	DefaultQueue     = "default"
	DefaultNamespace = "basiq"
	// DefaultRetention is how long asynq keeps a finished task (and its
	// result, shown in the web UI). It is also the idempotency window.
	DefaultRetention = 24 * time.Hour
	// MinRefreshInterval is the shortest interval of a RefreshSchedule.
	MinRefreshInterval = time.Minute
	// KeySize is the size of a Keyring key in bytes (AES-256).
	KeySize = sealing.KeySize
	// NoRetry, as Enqueue.MaxRetry, enqueues a task that asynq never
	// retries. (MaxRetry 0 is asynq's default of 25 retries.)
	NoRetry = -1
)

// Errors of the package; check them with errors.Is.
var (
	// ErrNoKeyring is returned when a request carries secrets but the
	// Client has no Keyring.
	ErrNoKeyring = errors.New("tasks: a keyring is required to enqueue credentials")
	// ErrNoSchedule is returned by UnscheduleRefresh for an unknown id.
	ErrNoSchedule = errors.New("tasks: no such refresh schedule")
	// ErrUnknownKey is wrapped by the worker's error when a task's secrets
	// were sealed with a key that is not in its keyring.
	ErrUnknownKey = sealing.ErrUnknownKey
	// ErrCredentialsNotSerializable is returned by [Credentials.MarshalJSON].
	ErrCredentialsNotSerializable = errors.New("tasks: plaintext credentials must not be serialized; seal them with a Keyring")
)

// Client enqueues work for basiq-worker and reads its results, all on the
// one Redis handle it was made with. It seals secrets before they reach
// Redis. A Client is safe for concurrent use.
type Client struct {
	ac           *asynq.Client
	rdb          redis.UniversalClient
	sub          *subscriber
	keyring      *Keyring
	defaultQueue string
	namespace    string
	retention    time.Duration
	// minRefresh serves the refresh schedules (schedule.go).
	minRefresh time.Duration
	// replicas confirms enqueues on the replicas (WithReplicaWait).
	replicas *durable.Waiter
}

// ClientOption configures a Client.
type ClientOption interface{ applyClient(*Client) }

type clientOptionFunc func(*Client)

func (f clientOptionFunc) applyClient(c *Client) { f(c) }

// WithDefaultQueue sets the queue used when no Queue option is given (default "default").
func WithDefaultQueue(name string) ClientOption {
	return clientOptionFunc(func(c *Client) { c.defaultQueue = name })
}

// WithNamespace sets the namespace of the worker's results and of the
// refresh schedules (default "basiq"); it must be the workers' namespace.
func WithNamespace(ns string) ClientOption {
	return clientOptionFunc(func(c *Client) { c.namespace = ns })
}

// WithRetention sets how long asynq keeps finished tasks (default 24h).
// Idempotency keys are honoured for as long as the task is kept.
func WithRetention(d time.Duration) ClientOption {
	return clientOptionFunc(func(c *Client) { c.retention = d })
}

// NewClient returns a Client that enqueues tasks and reads their results
// through rdb, the application's one Redis handle (for example
// redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})). The Client does
// not own rdb: the application closes it when it is done. keyring may be nil
// for apps that enqueue only requests without secrets (refreshes).
func NewClient(rdb redis.UniversalClient, keyring *Keyring, opts ...ClientOption) *Client {
	c := &Client{ac: asynq.NewClientFromRedisClient(rdb), rdb: rdb, keyring: keyring,
		defaultQueue: DefaultQueue, namespace: DefaultNamespace, retention: DefaultRetention}
	for _, o := range opts {
		o.applyClient(c)
	}
	c.sub = newSubscriber(rdb, c.namespace)
	return c
}

// TaskID is the id of the task of type taskType enqueued with idempotency
// key key ([Enqueue.IdempotencyKey]): taskType+":"+key, such as
// "connection:create:signup-42". An app that knows the key can Wait on the
// task without the id its enqueue returned.
func TaskID(taskType, key string) string { return wire.TaskID(taskType, key) }

// Enqueue holds the options of one enqueue, all optional: pass one to a
// Client method, as in c.CreateConnection(ctx, req, tasks.Enqueue{
// IdempotencyKey: "signup-42"}). When several are passed, the later set
// fields win.
type Enqueue struct {
	// Queue is the asynq queue of the task (default the Client's,
	// WithDefaultQueue).
	Queue string
	// IdempotencyKey makes the enqueue idempotent: the task id becomes
	// "<type>:<key>" (such as "connection:create:signup-42"), and
	// enqueuing the same key again returns that id without creating a
	// second task.
	IdempotencyKey string
	// Deadline is the Basiq job deadline of this task, overriding the
	// worker's default.
	Deadline time.Time
	// ProcessAt delays the task until then; ProcessIn by that long.
	ProcessAt time.Time
	ProcessIn time.Duration
	// MaxRetry is how many times asynq retries the task after a failed
	// attempt. Zero, the value when it is not set, does not mean "no
	// retries": it leaves asynq's default, 25 retries. For none, set
	// NoRetry (any negative value means none). The option of the same name
	// of earlier versions, tasks.MaxRetry(0), meant none: such a caller
	// now passes NoRetry.
	MaxRetry int
	// Retention overrides the Client's retention (WithRetention) for
	// this task.
	Retention time.Duration
}

type enqueueConfig struct {
	queue     string
	key       string
	deadline  time.Time
	processAt time.Time
	processIn time.Duration
	maxRetry  *int
	retention *time.Duration
}

func (c *Client) config(opts []Enqueue) enqueueConfig {
	cfg := enqueueConfig{queue: c.defaultQueue, retention: &c.retention}
	for _, o := range opts {
		if o.Queue != "" {
			cfg.queue = o.Queue
		}
		if o.IdempotencyKey != "" {
			cfg.key = o.IdempotencyKey
		}
		if !o.Deadline.IsZero() {
			cfg.deadline = o.Deadline
		}
		if !o.ProcessAt.IsZero() {
			cfg.processAt = o.ProcessAt
		}
		if o.ProcessIn != 0 {
			cfg.processIn = o.ProcessIn
		}
		if o.MaxRetry != 0 {
			n := max(o.MaxRetry, 0)
			cfg.maxRetry = &n
		}
		if o.Retention != 0 {
			r := o.Retention
			cfg.retention = &r
		}
	}
	return cfg
}

// enqueue marshals payload and enqueues it. An id conflict (same idempotency
// key) returns the existing task id and a nil error.
func (c *Client) enqueue(ctx context.Context, taskType string, payload any, cfg enqueueConfig) (string, error) {
	if err := wire.CheckIdempotencyKey("idempotencyKey", cfg.key); err != nil {
		return "", fmt.Errorf("enqueue %s: %w", taskType, err)
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("enqueue %s: %w", taskType, err)
	}
	opts := []asynq.Option{asynq.Queue(cfg.queue)}
	if *cfg.retention > 0 {
		opts = append(opts, asynq.Retention(*cfg.retention))
	}
	id := ""
	if cfg.key != "" {
		id = wire.TaskID(taskType, cfg.key)
		opts = append(opts, asynq.TaskID(id))
	}
	if !cfg.processAt.IsZero() {
		opts = append(opts, asynq.ProcessAt(cfg.processAt))
	}
	if cfg.processIn > 0 {
		opts = append(opts, asynq.ProcessIn(cfg.processIn))
	}
	if cfg.maxRetry != nil {
		opts = append(opts, asynq.MaxRetry(*cfg.maxRetry))
	}
	info, err := c.ac.EnqueueContext(ctx, asynq.NewTask(taskType, b), opts...)
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict): // enqueued before: confirm it too
	case err != nil:
		return "", fmt.Errorf("enqueue %s: %w", taskType, err)
	default:
		id = info.ID
	}
	if err := c.replicas.Sync(ctx, c.namespace, cfg.queue); err != nil {
		return "", fmt.Errorf("enqueue %s: %w", taskType, err)
	}
	return id, nil
}

func (c *Client) seal(taskType string, cr Credentials, userID string) (wire.Sealed, error) {
	if c.keyring == nil {
		return wire.Sealed{}, fmt.Errorf("enqueue %s: %w", taskType, ErrNoKeyring)
	}
	s, err := c.keyring.ring().SealCredentials(sealing.Credentials(cr), userID)
	if err != nil {
		return wire.Sealed{}, fmt.Errorf("enqueue %s: %w", taskType, err)
	}
	return s, nil
}

// CreateConnection enqueues TypeCreateConnection and returns the task id.
func (c *Client) CreateConnection(ctx context.Context, r CreateConnection, opts ...Enqueue) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("enqueue %s: %w", TypeCreateConnection, err)
	}
	sealed, err := c.seal(TypeCreateConnection, r.Credentials, r.UserID)
	if err != nil {
		return "", err
	}
	cfg := c.config(opts)
	p := wire.CreateConnectionPayload{V: wire.PayloadVersion, UserID: r.UserID, InstitutionID: r.InstitutionID, Credentials: sealed,
		IdempotencyKey: cfg.key, Deadline: cfg.deadline, EnqueuedAt: time.Now().UTC()}
	return c.enqueue(ctx, TypeCreateConnection, p, cfg)
}

// UpdateConnection enqueues TypeUpdateConnection and returns the task id.
func (c *Client) UpdateConnection(ctx context.Context, r UpdateConnection, opts ...Enqueue) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("enqueue %s: %w", TypeUpdateConnection, err)
	}
	sealed, err := c.seal(TypeUpdateConnection, r.Credentials, r.UserID)
	if err != nil {
		return "", err
	}
	cfg := c.config(opts)
	p := wire.UpdateConnectionPayload{V: wire.PayloadVersion, UserID: r.UserID, ConnectionID: r.ConnectionID, InstitutionID: r.InstitutionID,
		Credentials: sealed, IdempotencyKey: cfg.key, Deadline: cfg.deadline, EnqueuedAt: time.Now().UTC()}
	return c.enqueue(ctx, TypeUpdateConnection, p, cfg)
}

// RefreshConnection enqueues TypeRefreshConnection and returns the task id.
func (c *Client) RefreshConnection(ctx context.Context, r RefreshConnection, opts ...Enqueue) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("enqueue %s: %w", TypeRefreshConnection, err)
	}
	cfg := c.config(opts)
	p := wire.RefreshConnectionPayload{V: wire.PayloadVersion, UserID: r.UserID, ConnectionID: r.ConnectionID,
		IdempotencyKey: cfg.key, Deadline: cfg.deadline, EnqueuedAt: time.Now().UTC()}
	return c.enqueue(ctx, TypeRefreshConnection, p, cfg)
}

// RefreshAll enqueues TypeRefreshAll and returns the task id.
func (c *Client) RefreshAll(ctx context.Context, r RefreshAll, opts ...Enqueue) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("enqueue %s: %w", TypeRefreshAll, err)
	}
	cfg := c.config(opts)
	p := wire.RefreshAllPayload{V: wire.PayloadVersion, UserID: r.UserID, IdempotencyKey: cfg.key, Deadline: cfg.deadline, EnqueuedAt: time.Now().UTC()}
	return c.enqueue(ctx, TypeRefreshAll, p, cfg)
}

// AnswerMFA enqueues TypeAnswerMFA with the answers sealed for r.UserID and
// r.JobID, and returns the task id.
func (c *Client) AnswerMFA(ctx context.Context, r AnswerMFA, opts ...Enqueue) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("enqueue %s: %w", TypeAnswerMFA, err)
	}
	if c.keyring == nil {
		return "", fmt.Errorf("enqueue %s: %w", TypeAnswerMFA, ErrNoKeyring)
	}
	sealed, err := c.keyring.ring().SealMFAAnswers(r.Answers, r.UserID, r.JobID)
	if err != nil {
		return "", fmt.Errorf("enqueue %s: %w", TypeAnswerMFA, err)
	}
	cfg := c.config(opts)
	p := wire.AnswerMFAPayload{V: wire.PayloadVersion, UserID: r.UserID, JobID: r.JobID, Answers: sealed, IdempotencyKey: cfg.key, EnqueuedAt: time.Now().UTC()}
	return c.enqueue(ctx, TypeAnswerMFA, p, cfg)
}
