package basiqtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// webhooks holds the webhook subscriptions and their deliveries.
type webhooks struct {
	mu    sync.Mutex
	subs  map[string]*subscription
	order []string // subscription ids, creation order
	msgs  []*delivery
	byID  map[string]*delivery

	kick    chan struct{} // wakes the dispatcher
	started bool
	quit    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup // attempts in flight
}

type subscription struct {
	id, name, description, url, secret string
	events                             []string // empty: every type
	deleted                            bool
}

func newWebhooks(config) *webhooks {
	return &webhooks{subs: map[string]*subscription{}, byID: map[string]*delivery{}, kick: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{})}
}

func (sub *subscription) wants(typ string) bool {
	if sub.deleted {
		return false
	}
	if len(sub.events) == 0 {
		return true
	}
	for _, t := range sub.events {
		if t == typ {
			return true
		}
	}
	return false
}

// webhookBody is what a delivery posts: Basiq's message payload.
type webhookBody struct {
	EventID     string `json:"eventId"`
	EventTypeID string `json:"eventTypeId"`
	Links       struct {
		Event       string `json:"event"`
		EventEntity string `json:"eventEntity"`
	} `json:"links"`
}

// enqueue makes one delivery of e per subscription that wants it. Call with store.mu held.
func (h *webhooks) enqueue(s *Server, e *event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, id := range h.order {
		sub := h.subs[id]
		if !sub.wants(e.typ) {
			continue
		}
		var b webhookBody
		b.EventID, b.EventTypeID = e.id, e.typ
		b.Links.Event, b.Links.EventEntity = s.baseURL(s.baseRequest())+"/events/"+e.id, e.dataRef
		body, _ := json.Marshal(b)
		d := &delivery{id: "msg_" + s.store.newID(), hookID: sub.id, eventID: e.id, eventType: e.typ, body: body,
			status: "pending", next: s.now()}
		h.msgs = append(h.msgs, d)
		h.byID[d.id] = d
		n++
	}
	if n > 0 {
		h.wake()
	}
}

func (h *webhooks) wake() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

type webhookIn struct {
	URL              *string   `json:"url"`
	Name             *string   `json:"name"`
	Description      *string   `json:"description"`
	SubscribedEvents *[]string `json:"subscribedEvents"`
}

func (in webhookIn) validate(create bool) *apiError {
	if in.URL == nil && create {
		return errNotSupplied("/url")
	}
	if in.URL != nil {
		u, err := url.Parse(*in.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errNotValid(pointer("/url"), "url '"+*in.URL+"' is not an absolute http(s) URL.")
		}
	}
	if in.SubscribedEvents != nil {
		for i, t := range *in.SubscribedEvents {
			if !knownEventType(t) {
				return errNotValid(pointer("/subscribedEvents/"+strconv.Itoa(i)), "Event type '"+t+"' does not exist.")
			}
		}
	}
	return nil
}

func (sub *subscription) apply(in webhookIn) {
	if in.URL != nil {
		sub.url = *in.URL
	}
	if in.Name != nil {
		sub.name = *in.Name
	}
	if in.Description != nil {
		sub.description = *in.Description
	}
	if in.SubscribedEvents != nil {
		sub.events = append([]string(nil), *in.SubscribedEvents...)
	}
}

type webhookOut struct {
	Type             string   `json:"type"`
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	URL              string   `json:"url"`
	Status           string   `json:"status"`
	SubscribedEvents []string `json:"subscribedEvents"`
	Secret           string   `json:"secret,omitempty"`
	Links            selfLink `json:"links"`
}

func (s *Server) webhookJSON(r *http.Request, sub *subscription) webhookOut {
	ev := sub.events
	if len(ev) == 0 {
		ev = []string{}
	}
	return webhookOut{Type: "webhook", ID: sub.id, Name: sub.name, Description: sub.description, URL: sub.url,
		Status: "active", SubscribedEvents: ev, Links: selfLink{Self: s.baseURL(r) + "/notifications/webhooks/" + sub.id}}
}

func newSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) *apiError {
	var in webhookIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	s.noteBase(r)
	s.store.mu.Lock()
	sub := &subscription{id: s.store.newID(), secret: newSecret()}
	s.store.mu.Unlock()
	sub.apply(in)
	s.hooks.mu.Lock()
	s.hooks.subs[sub.id] = sub
	s.hooks.order = append(s.hooks.order, sub.id)
	out := s.webhookJSON(r, sub)
	s.hooks.mu.Unlock()
	out.Secret = sub.secret
	s.startDispatcher()
	writeJSON(w, 201, out)
	return nil
}

// liveSub finds a subscription that was not deleted. Call with hooks.mu held.
func (h *webhooks) liveSub(id string) (*subscription, *apiError) {
	sub, ok := h.subs[id]
	if !ok || sub.deleted {
		return nil, errNotFound("webhook")
	}
	return sub, nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) *apiError {
	s.hooks.mu.Lock()
	data := []any{}
	for _, id := range s.hooks.order {
		if sub := s.hooks.subs[id]; !sub.deleted {
			data = append(data, s.webhookJSON(r, sub))
		}
	}
	s.hooks.mu.Unlock()
	n := len(data)
	writeJSON(w, 200, list{Type: "list", Count: n, Size: &n, Data: data, Links: &listLinks{Self: s.baseURL(r) + "/notifications/webhooks"}})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) *apiError {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	sub, err := s.hooks.liveSub(r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.webhookJSON(r, sub))
	return nil
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) *apiError {
	var in webhookIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	sub, err := s.hooks.liveSub(r.PathValue("id"))
	if err != nil {
		return err
	}
	sub.apply(in)
	writeJSON(w, 200, s.webhookJSON(r, sub))
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) *apiError {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	sub, err := s.hooks.liveSub(r.PathValue("id"))
	if err != nil {
		return err
	}
	sub.deleted = true
	for _, d := range s.hooks.msgs {
		if d.hookID == sub.id && d.status == "pending" {
			d.status = "dropped"
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// stats copies every delivery.
func (h *webhooks) stats() map[string]DeliveryStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]DeliveryStats, len(h.msgs))
	for _, d := range h.msgs {
		ds := DeliveryStats{WebhookID: d.hookID, EventID: d.eventID, EventType: d.eventType, Status: d.status,
			Attempts: append([]DeliveryAttempt{}, d.attempts...)}
		if d.status == "pending" {
			ds.NextAttempt = d.next
		}
		out[d.id] = ds
	}
	return out
}
