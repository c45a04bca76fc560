package sdk

import (
	"context"
	"iter"
)

// EventsService reads Basiq's events (API 3.0): c.Events.
type EventsService service

// EventTypeInfo describes one event type, as GET /events/types lists it.
type EventTypeInfo struct {
	Type        string            `json:"type"`
	ID          EventType         `json:"id"`
	Description string            `json:"description"`
	Links       map[string]string `json:"links,omitempty"`
}

// List reads the first page of events, newest first (Basiq keeps 7
// days), optionally filtered by user.id, event.entity and event.type:
//
//	c.Events.List(ctx, sdk.Filter().Eq("user.id", uid).Eq("event.entity", "connection"))
func (s *EventsService) List(ctx context.Context, f *FilterBuilder, opts ...PageOption) (*Page[*Event], error) {
	return getPage[*Event](ctx, s.c, "/events", f, opts...)
}

// Next reads the page after p; nil, nil after the last page.
func (s *EventsService) Next(ctx context.Context, p *Page[*Event]) (*Page[*Event], error) {
	return nextPage(ctx, s.c, p)
}

// All iterates over every event, page by page. An error is yielded once
// and ends it.
func (s *EventsService) All(ctx context.Context, f *FilterBuilder, opts ...PageOption) iter.Seq2[*Event, error] {
	return all(ctx, s.c, func() (*Page[*Event], error) { return s.List(ctx, f, opts...) })
}

// Get reads one event, with the entity's data as it was.
func (s *EventsService) Get(ctx context.Context, id string) (*Event, error) {
	p, err := pathf("/events/%s", id)
	if err != nil {
		return nil, err
	}
	return getOne[Event](ctx, s.c, p)
}

// Type reads one event type, such as sdk.EventConsentRevoked.
func (s *EventsService) Type(ctx context.Context, id EventType) (*EventTypeInfo, error) {
	p, err := pathf("/events/types/%s", string(id))
	if err != nil {
		return nil, err
	}
	return getOne[EventTypeInfo](ctx, s.c, p)
}

// Types lists the event types Basiq emits.
func (s *EventsService) Types(ctx context.Context) ([]*EventTypeInfo, error) {
	return getList[*EventTypeInfo](ctx, s.c, "/events/types", nil)
}
