package basiqhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/basiq-worker/basiq-worker/internal/sealing"
	"net/url"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/internal/redislock"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// Events are the event types the worker acts on (worker.Handlers'
// BasiqEvent): what Register subscribes to.
var Events = []sdk.EventType{sdk.EventConnectionCreated, sdk.EventConnectionDeleted, sdk.EventConnectionInvalidated,
	sdk.EventConnectionActivated, sdk.EventAccountUpdated, sdk.EventTransactionsUpdated, sdk.EventConsentCreated,
	sdk.EventConsentUpdated, sdk.EventConsentRevoked, sdk.EventConsentExpired}

// Subscriptions is the part of Basiq's webhooks API that Register uses;
// *sdk.WebhooksService (c.Webhooks) implements it.
type Subscriptions interface {
	List(ctx context.Context) ([]*sdk.Webhook, error)
	Create(ctx context.Context, p sdk.WebhookParams) (*sdk.Webhook, error)
}

// Registration says which subscription Register makes sure exists.
type Registration struct {
	// URL is where Basiq delivers: the worker's public URL of the receiver
	// (BASIQ_WEBHOOK_URL), absolute http(s).
	URL string
	// Events are the event types to subscribe (none: every event).
	Events []sdk.EventType
	// Basiq makes the calls (c.Webhooks).
	Basiq Subscriptions
	// Redis and Namespace keep the subscription's id and secret, sealed
	// with Keyring, for the other workers and the next start.
	Redis     redis.UniversalClient
	Namespace string
	Keyring   *tasks.Keyring
	// LockWait bounds the wait for another worker registering the same URL
	// (default 30s).
	LockWait time.Duration
}

// Subscription is the subscription Register found or made.
type Subscription struct {
	ID string
	// Secret verifies its deliveries: the one Basiq gave when a worker of
	// the namespace created it. "" when it was made some other way (then
	// BASIQ_WEBHOOK_SECRET must hold it).
	Secret string
	// Created is set when this call created it.
	Created bool
}

// registered is the Redis record of the subscription created for a URL.
type registered struct {
	ID     string      `json:"id"`
	URL    string      `json:"url"`
	Secret wire.Sealed `json:"secret"`
}

// lockTTL bounds how long a registering worker holds the lock.
const lockTTL = 30 * time.Second

// Register makes sure Basiq delivers to r.URL, once however many workers
// start: under a Redis lock per URL, it lists the subscriptions and keeps
// the one with that URL, or creates it and stores its id and secret
// (sealed) for the others and for the next start. Every error names its
// cause (the URL, the lock, the Basiq call).
func Register(ctx context.Context, r Registration) (Subscription, error) {
	if u, err := url.Parse(r.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Subscription{}, fmt.Errorf("webhook URL %q: want an absolute http(s) URL", r.URL)
	}
	if r.Basiq == nil || r.Redis == nil || r.Keyring == nil {
		return Subscription{}, errors.New("register webhook: Basiq, Redis and Keyring are required")
	}
	unlock, err := r.lock(ctx)
	if err != nil {
		return Subscription{}, err
	}
	defer unlock()
	subs, err := r.Basiq.List(ctx)
	if err != nil {
		return Subscription{}, fmt.Errorf("list Basiq's webhook subscriptions: %w", err)
	}
	rec, err := r.load(ctx)
	if err != nil {
		return Subscription{}, err
	}
	for _, s := range subs {
		if s.URL != r.URL {
			continue
		}
		if rec == nil || rec.ID != s.ID {
			return Subscription{ID: s.ID}, nil // made elsewhere: its secret is the operator's
		}
		secret, err := (*sealing.Keyring)(r.Keyring).Open(rec.Secret, []byte(rec.ID))
		if err != nil {
			return Subscription{}, fmt.Errorf("open the stored secret of webhook subscription %s: %w", s.ID, err)
		}
		return Subscription{ID: s.ID, Secret: string(secret)}, nil
	}
	created, err := r.Basiq.Create(ctx, sdk.WebhookParams{URL: r.URL, Name: "basiq-worker", SubscribedEvents: r.Events,
		Description: "basiq-worker receiver (namespace " + r.Namespace + ")"})
	if err != nil {
		return Subscription{}, fmt.Errorf("create a webhook subscription for %s: %w", r.URL, err)
	}
	if err := r.store(ctx, created); err != nil {
		return Subscription{}, fmt.Errorf("webhook subscription %s created at Basiq, but not recorded (delete it, or set "+
			"BASIQ_WEBHOOK_SECRET to its secret): %w", created.ID, err)
	}
	return Subscription{ID: created.ID, Secret: created.Secret, Created: true}, nil
}

// lock takes the registration lock of r.URL, waiting while another worker
// holds it, and returns its release.
func (r Registration) lock(ctx context.Context) (func(), error) {
	key := keys.BasiqWebhookLock(r.Namespace, r.URL)
	wait := r.LockWait
	if wait <= 0 {
		wait = lockTTL
	}
	unlock, err := redislock.Acquire(ctx, r.Redis, key, lockTTL, wait)
	if errors.Is(err, redislock.ErrHeld) {
		return nil, fmt.Errorf("registration lock %s: held by another worker for over %s", key, wait)
	}
	if err != nil {
		return nil, fmt.Errorf("registration lock %s: %w", key, err)
	}
	return unlock, nil
}

func (r Registration) load(ctx context.Context) (*registered, error) {
	b, err := r.Redis.Get(ctx, keys.BasiqWebhook(r.Namespace, r.URL)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read the recorded webhook subscription: %w", err)
	}
	var rec registered
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("decode the recorded webhook subscription: %w", err)
	}
	return &rec, nil
}

func (r Registration) store(ctx context.Context, w *sdk.Webhook) error {
	if w.Secret == "" {
		return fmt.Errorf("Basiq gave no secret for subscription %s", w.ID)
	}
	sealed, err := (*sealing.Keyring)(r.Keyring).Seal([]byte(w.Secret), []byte(w.ID))
	if err != nil {
		return err
	}
	b, err := json.Marshal(registered{ID: w.ID, URL: r.URL, Secret: sealed})
	if err != nil {
		return err
	}
	return r.Redis.Set(context.WithoutCancel(ctx), keys.BasiqWebhook(r.Namespace, r.URL), b, 0).Err()
}
