package basiqtest

import (
	"encoding/json"
	"net/http"
)

// messageOut is a webhook message as GET /notifications/webhooks/{id}/messages shows it.
type messageOut struct {
	Type        string            `json:"type"`
	ID          string            `json:"id"`
	WebhookID   string            `json:"webhookId"`
	EventTypeID string            `json:"eventTypeId"`
	EventID     string            `json:"eventId"`
	Status      string            `json:"status"`
	Payload     json.RawMessage   `json:"payload"`
	Attempts    []DeliveryAttempt `json:"attempts"`
	Links       struct {
		Self    string `json:"self"`
		Webhook string `json:"webhook"`
		Event   string `json:"event"`
	} `json:"links"`
}

// messageJSON renders a delivery. Call with hooks.mu held.
func (s *Server) messageJSON(r *http.Request, d *delivery) messageOut {
	base := s.baseURL(r)
	o := messageOut{Type: "message", ID: d.id, WebhookID: d.hookID, EventTypeID: d.eventType, EventID: d.eventID,
		Status: d.status, Payload: d.body, Attempts: append([]DeliveryAttempt{}, d.attempts...)}
	o.Links.Self = base + "/notifications/webhooks/" + d.hookID + "/messages/" + d.id
	o.Links.Webhook = base + "/notifications/webhooks/" + d.hookID
	o.Links.Event = base + "/events/" + d.eventID
	return o
}

// listMessages answers a webhook's messages, newest first, paged by limit and next.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) *apiError {
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	sub, err := s.hooks.liveSub(r.PathValue("id"))
	if err != nil {
		return err
	}
	var data []any
	for i := len(s.hooks.msgs) - 1; i >= 0; i-- {
		if d := s.hooks.msgs[i]; d.hookID == sub.id {
			data = append(data, s.messageJSON(r, d))
		}
	}
	writeJSON(w, 200, s.pagedList(r, data, limit, offset))
	return nil
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) *apiError {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	sub, err := s.hooks.liveSub(r.PathValue("id"))
	if err != nil {
		return err
	}
	d, ok := s.hooks.byID[r.PathValue("mid")]
	if !ok || d.hookID != sub.id {
		return errNotFound("message")
	}
	writeJSON(w, 200, s.messageJSON(r, d))
	return nil
}
