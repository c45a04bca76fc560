// Package basiqhooks receives Basiq's webhooks: it verifies each delivery
// (Standard Webhooks signature under any of the configured secrets, a
// timestamp within 5 minutes), refuses a replayed webhook-id, and answers
// 2xx only once the event is durably enqueued as a TypeEvent task, which
// the worker turns into work (worker.Handlers.BasiqEvent).
//
// A delivery is refused, and changes nothing, when its signature is bad
// or its headers missing (401), its timestamp stale (401), or its
// webhook-id was received before (409: the event is already enqueued; a
// Basiq retry after a lost 2xx gets this answer too). A failure to enqueue
// answers 503 and forgets the id, so Basiq's retry is taken.
//
// Register makes sure Basiq has a subscription delivering to the worker's
// public URL (BASIQ_WEBHOOK_URL), once across restarts and workers: under
// a Redis lock per URL it keeps the subscription of that URL, or creates
// it and keeps its secret sealed in Redis (keys.BasiqWebhook) for the
// other workers; Receiver.AddSecrets hands the secret to the receiver.
package basiqhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// TypeEvent is the task of one Basiq event received (payload [Payload]).
const TypeEvent = "basiq:event"

// DefaultPath is where the worker's HTTP server receives Basiq's webhooks.
const DefaultPath = "/basiq/webhooks"

// Bounds of a delivery.
const (
	MaxBody = 256 << 10 // bytes of a delivery body
	// SeenTTL is how long a webhook-id is remembered: past Basiq's retries.
	SeenTTL = 72 * time.Hour
	// claimTTL bounds the claim of an id while its event is enqueued, so a
	// process dying in between does not block Basiq's retry for long.
	claimTTL = time.Minute
)

// Payload is the payload of TypeEvent: the delivery as Basiq signed it.
type Payload struct {
	V          int             `json:"v"`
	WebhookID  string          `json:"webhookId"`
	ReceivedAt time.Time       `json:"receivedAt"`
	Body       json.RawMessage `json:"body"`
}

// Validate checks the version and the webhook id.
func (p Payload) Validate() error {
	if p.V != wire.PayloadVersion {
		return fmt.Errorf("field v: unsupported payload version %d", p.V)
	}
	if len(p.Body) == 0 {
		return errors.New("field body: required")
	}
	return wire.ValidateID("webhookId", p.WebhookID)
}

// Enqueuer is the part of *asynq.Client the receiver uses.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Options configure a Receiver.
type Options struct {
	// Secrets are the webhook secrets (whsec_...): every one verifies,
	// for rotation. At least one is required, unless Registered.
	Secrets []string
	// Registered says the subscription is registered at start (Register),
	// which brings its secret: until AddSecrets, with no Secrets, every
	// delivery is answered 503 (Basiq retries it).
	Registered bool
	Redis      redis.UniversalClient
	// Namespace prefixes the seen-id keys (the worker's).
	Namespace string
	Enqueuer  Enqueuer
	// Queue receives the TypeEvent tasks (default tasks.DefaultQueue).
	Queue  string
	Logger zerolog.Logger
	// Now is the clock of the timestamp check (default time.Now).
	Now func() time.Time
	// Received counts deliveries by outcome ("enqueued", "bad-signature",
	// "stale", "replayed", "error"); may be nil.
	Received func(outcome string)
}

// Receiver is the http.Handler receiving Basiq's webhooks.
type Receiver struct {
	o  Options
	mu sync.Mutex // serialises AddSecrets
	v  atomic.Pointer[sdk.WebhookVerifier]
}

// New checks o and returns its Receiver.
func New(o Options) (*Receiver, error) {
	if len(o.Secrets) == 0 && !o.Registered {
		return nil, errors.New("basiqhooks: at least one secret is required (BASIQ_WEBHOOK_SECRET)")
	}
	if o.Redis == nil || o.Enqueuer == nil {
		return nil, errors.New("basiqhooks: Redis and Enqueuer are required")
	}
	if o.Queue == "" {
		o.Queue = tasks.DefaultQueue
	}
	if o.Received == nil {
		o.Received = func(string) {}
	}
	rc := &Receiver{o: o}
	if len(o.Secrets) > 0 {
		if err := rc.setSecrets(o.Secrets); err != nil {
			return nil, fmt.Errorf("basiqhooks: BASIQ_WEBHOOK_SECRET: %w", err)
		}
	}
	return rc, nil
}

// AddSecrets adds secrets to those that verify deliveries (the secret of
// the subscription Register created).
func (rc *Receiver) AddSecrets(secrets ...string) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := rc.setSecrets(append(append([]string(nil), rc.o.Secrets...), secrets...)); err != nil {
		return fmt.Errorf("basiqhooks: the registered subscription's secret: %w", err)
	}
	return nil
}

func (rc *Receiver) setSecrets(secrets []string) error {
	v, err := sdk.NewWebhookVerifier(secrets...)
	if err != nil {
		return err
	}
	if rc.o.Now != nil {
		v = v.WithClock(rc.o.Now)
	}
	rc.o.Secrets = secrets
	rc.v.Store(v)
	return nil
}

// SeenKey is the Redis key remembering webhook id (keys.BasiqHook).
func SeenKey(ns, id string) string { return keys.BasiqHook(ns, id) }

// ServeHTTP verifies, dedupes and enqueues one delivery.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		rc.refuse(w, http.StatusRequestEntityTooLarge, "error", "body unreadable or over 256 KiB")
		return
	}
	v := rc.v.Load()
	if v == nil {
		rc.refuse(w, http.StatusServiceUnavailable, "error", "not ready: the webhook subscription is being registered")
		return
	}
	if err := v.Verify(r.Header, body); err != nil {
		outcome := "bad-signature"
		if errors.Is(err, sdk.ErrWebhookTimestamp) {
			outcome = "stale"
		}
		rc.refuse(w, http.StatusUnauthorized, outcome, err.Error())
		return
	}
	id := r.Header.Get("webhook-id")
	if err := wire.ValidateID("webhook-id", id); err != nil {
		rc.refuse(w, http.StatusBadRequest, "error", err.Error())
		return
	}
	status, outcome := rc.enqueue(r.Context(), id, body)
	if status >= 300 {
		rc.refuse(w, status, outcome, "webhook "+id+": "+outcome)
		return
	}
	rc.o.Received(outcome)
	rc.o.Logger.Info().Str("webhook_id", id).Msg("basiq webhook enqueued")
	w.WriteHeader(http.StatusAccepted)
}

// enqueue claims id, enqueues its event and remembers id; it answers the
// status to send.
func (rc *Receiver) enqueue(ctx context.Context, id string, body []byte) (int, string) {
	key := SeenKey(rc.o.Namespace, id)
	ok, err := rc.o.Redis.SetNX(ctx, key, "claimed", claimTTL).Result()
	switch {
	case err != nil:
		rc.o.Logger.Warn().Err(err).Msg("basiq webhook: claim")
		return http.StatusServiceUnavailable, "error"
	case !ok:
		return http.StatusConflict, "replayed"
	}
	b, _ := json.Marshal(Payload{V: wire.PayloadVersion, WebhookID: id, ReceivedAt: time.Now().UTC(), Body: body})
	_, err = rc.o.Enqueuer.EnqueueContext(ctx, asynq.NewTask(TypeEvent, b), asynq.TaskID("basiq-event:"+id),
		asynq.Queue(rc.o.Queue), asynq.MaxRetry(10), asynq.Retention(24*time.Hour))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		rc.o.Logger.Warn().Err(err).Msg("basiq webhook: enqueue")
		rc.o.Redis.Del(context.WithoutCancel(ctx), key)
		return http.StatusServiceUnavailable, "error"
	}
	if err := rc.o.Redis.Set(context.WithoutCancel(ctx), key, "enqueued", SeenTTL).Err(); err != nil {
		rc.o.Logger.Warn().Err(err).Msg("basiq webhook: enqueued but not remembered past a minute")
	}
	return http.StatusAccepted, "enqueued"
}

func (rc *Receiver) refuse(w http.ResponseWriter, status int, outcome, why string) {
	rc.o.Received(outcome)
	rc.o.Logger.Warn().Int("status", status).Str("outcome", outcome).Str("reason", why).Msg("basiq webhook refused")
	http.Error(w, why, status)
}
