package basiqtest

import (
	"encoding/json"
	"net/http"
	"sync"
)

// webhooks holds the webhook subscriptions and their deliveries.
type webhooks struct {
	mu    sync.Mutex
	subs  map[string]*subscription
	order []string           // subscription ids, creation order
	msgs  []*delivery        // every delivery, for the stats
	ready minHeap[*delivery] // the pending ones not in flight, by next attempt (and creation)
	seq   uint64             // deliveries made
	busy  int                // attempts in flight (at most maxInFlight)
	byID  map[string]*delivery

	client  *http.Client  // posts deliveries, keeping a connection per slot
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
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = maxInFlight // the default 2 made most of 16 attempts at once dial anew
	return &webhooks{subs: map[string]*subscription{}, byID: map[string]*delivery{}, kick: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{}), client: &http.Client{Transport: tr}}
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
		h.seq++
		d := &delivery{id: "msg_" + s.store.newID(), hookID: sub.id, eventID: e.id, eventType: e.typ, body: body,
			status: "pending", next: s.now(), seq: h.seq}
		h.msgs = append(h.msgs, d)
		h.ready.push(d.entry())
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
