package basiqtest

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
)

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
	for _, d := range s.hooks.msgs { // those in flight too: their outcome is not recorded
		if d.hookID == sub.id && d.status == "pending" {
			d.status = "dropped"
		}
	}
	s.hooks.ready.drop(func(d *delivery) bool { return d.status != "pending" })
	w.WriteHeader(http.StatusNoContent)
	return nil
}
