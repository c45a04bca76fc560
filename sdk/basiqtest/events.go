package basiqtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// eventTypes are Basiq's event types with their descriptions, sorted by id.
var eventTypes = []struct{ id, description string }{
	{"account.updated", "when an account is updated"},
	{"connection.activated", "when a connection is activated"},
	{"connection.created", "when a connection is created"},
	{"connection.deleted", "when a connection is deleted"},
	{"connection.invalidated", "when a connection is invalidated"},
	{"consent.created", "when a consent is created"},
	{"consent.expired", "when a consent is expired"},
	{"consent.reminder", "when a consent has been active for 90 days since the last update"},
	{"consent.revoked", "when a consent is revoked"},
	{"consent.updated", "when a consent is updated"},
	{"consent.warning", "when a consent is about to expire"},
	{"transactions.updated", "when transactions are updated"},
	{"user.created", "when a user is created"},
	{"user.deleted", "when a user is deleted"},
	{"user.updated", "when a user is updated"},
}

func knownEventType(id string) bool {
	for _, t := range eventTypes {
		if t.id == id {
			return true
		}
	}
	return false
}

// event is one Basiq event; data is the entity's JSON at that instant.
type event struct {
	id, typ, userID, dataRef string
	created                  time.Time
	data                     json.RawMessage
}

// eventLog holds the events in the order they were emitted (createdDate order).
type eventLog struct {
	mu   sync.RWMutex
	list []*event
	byID map[string]*event
}

func newEventLog() *eventLog { return &eventLog{byID: map[string]*event{}} }

// trim keeps the newest limit events once the log is a quarter over it (limit <= 0: all).
// Call with mu held.
func (l *eventLog) trim(limit int) {
	if limit <= 0 || len(l.list) < limit+limit/4+1 {
		return
	}
	drop := len(l.list) - limit
	for _, e := range l.list[:drop] {
		delete(l.byID, e.id)
	}
	l.list = append([]*event(nil), l.list[drop:]...)
}

// emit records an event at the given instant and queues its webhook deliveries. Call with
// store.mu held for writing; data is marshalled at once (a snapshot).
func (s *Server) emit(typ, userID, dataRef string, data any, at time.Time) {
	raw, _ := json.Marshal(data)
	e := &event{id: s.store.newID(), typ: typ, userID: userID, dataRef: dataRef, created: at, data: raw}
	s.events.mu.Lock()
	s.events.list = append(s.events.list, e)
	s.events.byID[e.id] = e
	s.events.trim(s.cfg.eventLimit)
	s.events.mu.Unlock()
	s.hooks.enqueue(s, e)
}

type eventOut struct {
	Type        string          `json:"type"`
	ID          string          `json:"id"`
	CreatedDate string          `json:"createdDate"`
	Entity      string          `json:"entity"`
	EventType   string          `json:"eventType"`
	UserID      string          `json:"userId"`
	DataRef     string          `json:"dataRef"`
	Data        json.RawMessage `json:"data"`
	Links       selfLink        `json:"links"`
}

func (s *Server) eventJSON(base string, e *event) eventOut {
	entity, kind, _ := strings.Cut(e.typ, ".")
	return eventOut{Type: "event", ID: e.id, CreatedDate: rfc3339(e.created), Entity: entity, EventType: kind,
		UserID: e.userID, DataRef: e.dataRef, Data: e.data, Links: selfLink{Self: base + "/events/" + e.id}}
}

var eventFields = map[string]bool{"user.id": true, "event.entity": true, "event.type": true}

func (o eventOut) field(name string) string {
	switch name {
	case "user.id":
		return o.UserID
	case "event.entity":
		return o.Entity
	}
	return o.EventType
}

// eventWindow is how far back GET /events looks, as Basiq's.
const eventWindow = 7 * 24 * time.Hour

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) *apiError {
	f, err := parseFilter(r.URL.Query().Get("filter"), eventFields)
	if err != nil {
		return err
	}
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	s.settleNow()
	base, since := s.baseURL(r), s.now().Add(-eventWindow)
	var data []any
	s.events.mu.RLock()
	for i := len(s.events.list) - 1; i >= 0 && !s.events.list[i].created.Before(since); i-- {
		if o := s.eventJSON(base, s.events.list[i]); f.match(o.field) {
			data = append(data, o)
		}
	}
	s.events.mu.RUnlock()
	writeJSON(w, 200, s.pagedList(r, data, limit, offset))
	return nil
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) *apiError {
	s.settleNow()
	s.events.mu.RLock()
	e, ok := s.events.byID[r.PathValue("id")]
	s.events.mu.RUnlock()
	if !ok {
		return errNotFound("event")
	}
	writeJSON(w, 200, s.eventJSON(s.baseURL(r), e))
	return nil
}

type eventTypeOut struct {
	Type        string   `json:"type"`
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Links       selfLink `json:"links"`
}

func (s *Server) listEventTypes(w http.ResponseWriter, r *http.Request) *apiError {
	data := make([]any, len(eventTypes))
	for i, t := range eventTypes {
		data[i] = eventTypeOut{Type: "eventType", ID: t.id, Description: t.description, Links: selfLink{Self: s.baseURL(r) + "/events/types/" + t.id}}
	}
	n := len(data)
	writeJSON(w, 200, list{Type: "list", Count: n, Size: &n, Data: data, Links: &listLinks{Self: s.baseURL(r) + "/events/types"}})
	return nil
}

func (s *Server) getEventType(w http.ResponseWriter, r *http.Request) *apiError {
	for _, t := range eventTypes {
		if t.id == r.PathValue("id") {
			writeJSON(w, 200, eventTypeOut{Type: "eventType", ID: t.id, Description: t.description, Links: selfLink{Self: s.baseURL(r) + "/events/types/" + t.id}})
			return nil
		}
	}
	return errNotFound("event type")
}

// record settles what is due, then emits an event caused by request r now. Call with store.mu
// held for writing.
func (s *Server) record(r *http.Request, typ, userID, path string, data any) {
	s.noteBase(r)
	s.settle()
	s.emit(typ, userID, s.baseURL(r)+path, data, s.now())
}
