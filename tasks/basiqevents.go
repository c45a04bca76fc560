package tasks

import (
	"time"
)

// Event types of Basiq's own events, relayed from its webhooks.
const (
	// EventBasiq relays a Basiq event about a user's data (transactions
	// or an account updated, a connection invalidated, activated or
	// deleted): Event.Basiq names the ids.
	EventBasiq = "basiq_event"
	// EventConsentRevoked: the user revoked their consent, or it expired.
	// The application must delete or de-identify that user's data.
	EventConsentRevoked = "consent_revoked"
)

// BasiqEvent is one of Basiq's events as the worker relays it.
type BasiqEvent struct {
	V int `json:"v"`
	// EventID is Basiq's event id; Type its type, such as "transactions.updated".
	EventID      string    `json:"eventId"`
	Type         string    `json:"type"`
	UserID       string    `json:"userId,omitempty"`
	ConnectionID string    `json:"connectionId,omitempty"`
	ConsentID    string    `json:"consentId,omitempty"`
	OccurredAt   time.Time `json:"occurredAt,omitzero"`
	// Purge says what the worker's opt-in purge (CONSENT_PURGE=true) did
	// after a consent ended; nil when the purge is off.
	Purge *Purge `json:"purge,omitempty"`
}

// Purge is what the worker did with a user's connections at Basiq after
// their consent ended.
type Purge struct {
	// Deleted are the connections deleted (none when the user had none).
	Deleted []string `json:"deleted"`
	// Error says why the purge stopped short, when it failed for good:
	// connections not in Deleted may remain at Basiq.
	Error string `json:"error,omitempty"`
}
