package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// WebhooksService manages the webhook subscriptions Basiq delivers events
// to (API 3.0, /notifications/webhooks): c.Webhooks. Verify deliveries
// with a WebhookVerifier holding the subscription's Secret.
type WebhooksService service

// Webhook is a webhook subscription.
type Webhook struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	// Status is "active", or "pending-approval" for a while after it is
	// created.
	Status string `json:"status"`
	// Secret signs the deliveries ("whsec_..."); Basiq shows it when the
	// subscription is created. Printing a Webhook with fmt redacts it.
	Secret           string            `json:"secret,omitempty"`
	SubscribedEvents EventTypeList     `json:"subscribedEvents,omitempty"`
	Links            map[string]string `json:"links,omitempty"`
}

// String redacts the secret.
func (w Webhook) String() string {
	return "sdk.Webhook{ID: " + w.ID + ", URL: " + w.URL + ", Status: " + w.Status + ", Secret: " + redact(w.Secret) + "}"
}

// GoString redacts the secret.
func (w Webhook) GoString() string { return w.String() }

// Format prints String for every verb, so that no verb shows the secret.
func (w Webhook) Format(f fmt.State, _ rune) { fmt.Fprint(f, w.String()) }

// EventTypeList is the event types of a subscription. It decodes from a
// JSON array, or from the single string Basiq's own examples show.
type EventTypeList []EventType

// UnmarshalJSON accepts ["a","b"] or "a".
func (l *EventTypeList) UnmarshalJSON(b []byte) error {
	var one EventType
	if err := json.Unmarshal(b, &one); err == nil {
		*l = EventTypeList{one}
		if one == "" {
			*l = nil
		}
		return nil
	}
	var many []EventType
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// WebhookParams are the fields of a subscription to create or update:
// URL (required), Name, Description and the events to deliver (none
// means every event).
type WebhookParams struct {
	Name             string      `json:"name,omitempty"`
	Description      string      `json:"description,omitempty"`
	URL              string      `json:"url"`
	SubscribedEvents []EventType `json:"subscribedEvents,omitempty"`
}

const webhooksPath = "/notifications/webhooks"

// Create subscribes URL to events.
func (s *WebhooksService) Create(ctx context.Context, p WebhookParams) (*Webhook, error) {
	return callOne[Webhook](ctx, s.c, http.MethodPost, webhooksPath, p)
}

// List lists the application's subscriptions.
func (s *WebhooksService) List(ctx context.Context) ([]*Webhook, error) {
	return collect(all(ctx, s.c, func() (*Page[*Webhook], error) {
		return getPage[*Webhook](ctx, s.c, webhooksPath, nil)
	}))
}

// Get reads one subscription.
func (s *WebhooksService) Get(ctx context.Context, id string) (*Webhook, error) {
	p, err := pathf(webhooksPath+"/%s", id)
	if err != nil {
		return nil, err
	}
	return getOne[Webhook](ctx, s.c, p)
}

// Update replaces a subscription's fields.
func (s *WebhooksService) Update(ctx context.Context, id string, params WebhookParams) (*Webhook, error) {
	p, err := pathf(webhooksPath+"/%s", id)
	if err != nil {
		return nil, err
	}
	return callOne[Webhook](ctx, s.c, http.MethodPost, p, params)
}

// Delete removes a subscription; no more deliveries are made to it.
func (s *WebhooksService) Delete(ctx context.Context, id string) error {
	p, err := pathf(webhooksPath+"/%s", id)
	if err != nil {
		return err
	}
	return s.c.call(ctx, http.MethodDelete, p, nil, nil, nil)
}

// kind takes the type in any case: one of Basiq's examples writes
// "Webhook".
func (w *Webhook) kind() (string, string, string) {
	if w == nil {
		return "", "", "webhook"
	}
	return strings.ToLower(w.Type), w.ID, "webhook"
}
