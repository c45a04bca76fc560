package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// EventType names a Basiq event, such as "connection.created". The
// constants never change; Basiq may add types, which decode as well and
// report Known false.
type EventType string

// Event types of API 3.0. There is no job event: jobs are followed by
// polling.
const (
	EventConnectionCreated     EventType = "connection.created"
	EventConnectionDeleted     EventType = "connection.deleted"
	EventConnectionInvalidated EventType = "connection.invalidated"
	EventConnectionActivated   EventType = "connection.activated"
	EventAccountUpdated        EventType = "account.updated"
	EventTransactionsUpdated   EventType = "transactions.updated"
	EventConsentCreated        EventType = "consent.created"
	EventConsentUpdated        EventType = "consent.updated"
	EventConsentRevoked        EventType = "consent.revoked"
	EventConsentExpired        EventType = "consent.expired"
	EventConsentWarning        EventType = "consent.warning"
	EventConsentReminder       EventType = "consent.reminder"
	EventUserCreated           EventType = "user.created"
	EventUserUpdated           EventType = "user.updated"
	EventUserDeleted           EventType = "user.deleted"
)

// EventTypes lists every type this SDK knows, in the order above.
func EventTypes() []EventType {
	return []EventType{EventConnectionCreated, EventConnectionDeleted, EventConnectionInvalidated,
		EventConnectionActivated, EventAccountUpdated, EventTransactionsUpdated, EventConsentCreated,
		EventConsentUpdated, EventConsentRevoked, EventConsentExpired, EventConsentWarning,
		EventConsentReminder, EventUserCreated, EventUserUpdated, EventUserDeleted}
}

// Known reports whether t is one of the EventType constants.
func (t EventType) Known() bool {
	for _, k := range EventTypes() {
		if t == k {
			return true
		}
	}
	return false
}

// Event is a Basiq event, from a webhook delivery (DecodeEvent,
// WebhookVerifier.Event) or from GET /events. Both shapes decode into it:
// a webhook message {"eventTypeId","eventId","links":{"event","eventEntity"}}
// and an event resource {"id","entity","eventType","userId","createdDate",
// "dataRef","data","links":{"self"}}.
type Event struct {
	// ID is the event's id.
	ID string `json:"id"`
	// Type is the event's type; Type.Known is false for a type this SDK
	// does not know.
	Type EventType `json:"eventTypeId"`
	// Entity is the kind of resource it is about ("connection",
	// "consent", ...), when the source names it.
	Entity string `json:"entity,omitempty"`
	// UserID is the user it is about, from userId or the entity's link.
	UserID string `json:"userId,omitempty"`
	// Created is when it happened; zero when the source does not say.
	Created time.Time `json:"createdDate,omitzero"`
	// Data is the entity as it was, when the source carries it.
	Data json.RawMessage `json:"data,omitempty"`
	// Links are the event's own link and its entity's.
	Links EventLinks `json:"links"`
}

// EventLinks are an event's links: Event (or Self) the event itself,
// EventEntity the resource it is about.
type EventLinks struct {
	Self        string `json:"self,omitempty"`
	Event       string `json:"event,omitempty"`
	EventEntity string `json:"eventEntity,omitempty"`
}

// eventWire is every field either shape of an event may carry.
type eventWire struct {
	ID          string          `json:"id"`
	EventID     string          `json:"eventId"`
	EventTypeID EventType       `json:"eventTypeId"`
	Entity      string          `json:"entity"`
	EventType   string          `json:"eventType"`
	UserID      string          `json:"userId"`
	CreatedDate string          `json:"createdDate"`
	DataRef     string          `json:"dataRef"`
	Data        json.RawMessage `json:"data"`
	Links       json.RawMessage `json:"links"`
}

// UnmarshalJSON decodes either shape of an event. An event needs an id
// and a type; anything else may be absent.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w eventWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	ev := Event{ID: firstOf(w.EventID, w.ID), Type: w.EventTypeID, Entity: w.Entity, UserID: w.UserID}
	if ev.Type == "" && w.Entity != "" && w.EventType != "" {
		ev.Type = EventType(w.Entity + "." + w.EventType)
	}
	if ev.ID == "" || ev.Type == "" {
		return errors.New("sdk: event without an id or a type (want eventId and eventTypeId, or id, entity and eventType)")
	}
	if w.CreatedDate != "" {
		t, err := time.Parse(time.RFC3339, w.CreatedDate)
		if err != nil {
			return fmt.Errorf("sdk: event %s: createdDate %q is not RFC 3339", ev.ID, w.CreatedDate)
		}
		ev.Created = t
	}
	if d := bytes.TrimSpace(w.Data); len(d) > 0 && !bytes.Equal(d, []byte("null")) {
		ev.Data = append(json.RawMessage(nil), d...)
	}
	// Basiq's list example has links as an array; only an object counts.
	if bytes.HasPrefix(bytes.TrimSpace(w.Links), []byte("{")) {
		if err := json.Unmarshal(w.Links, &ev.Links); err != nil {
			return fmt.Errorf("sdk: event %s: links: %w", ev.ID, err)
		}
	}
	ev.Links.EventEntity = firstOf(ev.Links.EventEntity, w.DataRef)
	ev.UserID = firstOf(ev.UserID, segmentAfter(ev.Links.EventEntity, "users"))
	*e = ev
	return nil
}

// DecodeEvent decodes a webhook delivery's body (or an event resource).
// An event of a type this SDK does not know decodes without error; its
// Type.Known is false.
func DecodeEvent(body []byte) (*Event, error) {
	e := new(Event)
	if err := json.Unmarshal(body, e); err != nil {
		return nil, fmt.Errorf("sdk: decode event: %w", err)
	}
	return e, nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
