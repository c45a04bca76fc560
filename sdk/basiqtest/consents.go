package basiqtest

import (
	"net/http"
	"time"
)

// consent is a user's consent, made by the Consent UI.
type consent struct {
	id, userID                string
	created, updated, expires time.Time
	status                    string // active, revoked or expired
	revoked                   time.Time
}

// activeConsent returns u's active consent, or nil. Call with store.mu held (after settle).
func (s *Server) activeConsent(u *user) *consent {
	for i := len(s.store.uget(u).consents) - 1; i >= 0; i-- {
		if cs := s.store.uget(u).consents[i]; cs.status == "active" {
			return cs
		}
	}
	return nil
}

// newConsent records u's consent and emits consent.created. Call with store.mu held for writing.
func (s *Server) newConsent(r *http.Request, u *user) *consent {
	now := s.now()
	cs := &consent{id: s.store.newID(), userID: u.id, created: now, updated: now, expires: now.Add(s.cfg.consentTTL), status: "active"}
	s.store.uext(u).consents = append(s.store.uext(u).consents, cs)
	s.record(r, "consent.created", u.id, consentPath(cs), s.consentJSON(r, cs))
	s.track.pushConsent(cs.expires, cs)
	return cs
}

func consentPath(cs *consent) string { return "/users/" + cs.userID + "/consents/" + cs.id }

// expireIfDue expires an active consent whose expiry has come. Call with store.mu held.
func (s *Server) expireIfDue(cs *consent, now time.Time) {
	if cs.status == "active" && !now.Before(cs.expires) {
		s.endConsent(cs, "expired", cs.expires)
	}
}

// endConsent revokes or expires cs at the instant at: its connections become invalid.
// Call with store.mu held for writing.
func (s *Server) endConsent(cs *consent, status string, at time.Time) {
	cs.status, cs.updated = status, at
	if status == "revoked" {
		cs.revoked = at
	}
	r := s.baseRequest()
	s.emit("consent."+status, cs.userID, s.baseURL(r)+consentPath(cs), s.consentJSON(r, cs), at)
	u := s.store.users[cs.userID]
	for _, cid := range u.conns {
		if c := s.store.conns[cid]; !c.deleted && s.store.cget(c).consentID == cs.id {
			s.store.cext(c).consentEnded = true
			s.connStatusEvent(r, c, "invalid", at)
		}
	}
}

// userConsent finds a consent of a live user. Call with store.mu held.
func (s *Server) userConsent(uid, id string) (*consent, *apiError) {
	u, err := s.store.liveUser(uid)
	if err != nil {
		return nil, err
	}
	for _, cs := range s.store.uget(u).consents {
		if cs.id == id {
			return cs, nil
		}
	}
	return nil, errNotFound("consent")
}

func (s *Server) listConsents(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	s.settle()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	data := []any{}
	for i := len(s.store.uget(u).consents) - 1; i >= 0; i-- {
		data = append(data, s.consentJSON(r, s.store.uget(u).consents[i]))
	}
	n := len(data)
	writeJSON(w, 200, struct {
		Type  string   `json:"type"`
		Size  int      `json:"size"`
		Data  []any    `json:"data"`
		Links selfLink `json:"links"`
	}{"list", n, data, selfLink{Self: s.baseURL(r) + r.URL.RequestURI()}})
	return nil
}

func (s *Server) revokeConsent(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	s.noteBase(r)
	s.settle()
	cs, err := s.userConsent(r.PathValue("uid"), r.PathValue("id"))
	if err != nil {
		return err
	}
	if cs.status != "active" {
		return errNotValid(param("consentId"), "Consent "+cs.id+" is "+cs.status+", not active.")
	}
	s.endConsent(cs, "revoked", s.now())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ExpireConsent makes an active consent of a user expire now, as if its expiry date had come:
// consent.expired is emitted and the connections made under it become invalid.
func (s *Server) ExpireConsent(userID, consentID string) error {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	s.settle()
	cs, err := s.userConsent(userID, consentID)
	if err != nil {
		return err
	}
	if cs.status != "active" {
		return errNotValid(param("consentId"), "Consent "+cs.id+" is "+cs.status+", not active.")
	}
	s.endConsent(cs, "expired", s.now())
	return nil
}

// postExpireConsent is POST /_mock/users/{uid}/consents/{id}/expire.
func (s *Server) postExpireConsent(w http.ResponseWriter, r *http.Request) *apiError {
	s.noteBase(r)
	if err := s.ExpireConsent(r.PathValue("uid"), r.PathValue("id")); err != nil {
		return err.(*apiError)
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	cs, _ := s.userConsent(r.PathValue("uid"), r.PathValue("id"))
	writeJSON(w, 200, s.consentJSON(r, cs))
	return nil
}
