package basiqtest

import (
	"net/http"
	"strings"
	"time"
)

// authLink is a user's link to the Consent UI, as Basiq sends by SMS.
type authLink struct {
	id, userID, mobile string
	created, expires   time.Time
	gone               bool // cancelled by a newer one, deleted, or used
}

const authLinkTTL = 7 * 24 * time.Hour

type authLinkOut struct {
	Type      string `json:"type"`
	ID        string `json:"id,omitempty"`
	UserID    string `json:"userId"`
	Mobile    string `json:"mobile"`
	ExpiresAt string `json:"expiresAt"`
	Links     struct {
		Self   string `json:"self"`
		Public string `json:"public"`
	} `json:"links"`
}

func (s *Server) authLinkJSON(r *http.Request, l *authLink) authLinkOut {
	o := authLinkOut{Type: "auth_link", ID: l.id, UserID: l.userID, Mobile: l.mobile, ExpiresAt: rfc3339(l.expires)}
	o.Links.Self = s.baseURL(r) + "/users/" + l.userID + "/auth_link"
	o.Links.Public = s.baseURL(r) + "/consent?authLink=" + l.id
	return o
}

func (s *Server) createAuthLink(w http.ResponseWriter, r *http.Request) *apiError {
	var b struct {
		Mobile *string `json:"mobile"`
	}
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	mobile := u.mobile
	if b.Mobile != nil {
		mobile = strings.TrimSpace(*b.Mobile)
		if err := validateUser(userBody{Mobile: &mobile}, false); err != nil {
			return err
		}
	}
	if mobile == "" {
		return errNotSupplied("/mobile")
	}
	if s.store.uget(u).authLink != nil {
		s.store.uext(u).authLink.gone = true
	}
	now := s.now()
	s.store.uext(u).authLink = &authLink{id: s.store.newID()[:8], userID: u.id, mobile: mobile, created: now, expires: now.Add(authLinkTTL)}
	s.store.linkUser[s.store.uget(u).authLink.id] = u.id
	writeJSON(w, 201, s.authLinkJSON(r, s.store.uext(u).authLink))
	return nil
}

// liveAuthLink returns u's usable auth link: 404 when none, 410 when expired, cancelled or used.
func (s *Server) liveAuthLink(u *user) (*authLink, *apiError) {
	l := s.store.uget(u).authLink
	switch {
	case l == nil:
		return nil, errNotFound("auth link")
	case l.gone || !s.now().Before(l.expires):
		return nil, newError(410, "resource-no-longer-available", "The auth link has expired, was replaced or was used.", &errSource{})
	}
	return l, nil
}

func (s *Server) getAuthLink(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	l, err := s.liveAuthLink(u)
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.authLinkJSON(r, l))
	return nil
}

func (s *Server) deleteAuthLink(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	if s.store.uget(u).authLink == nil || s.store.uget(u).authLink.gone {
		return errNotFound("auth link")
	}
	s.store.uext(u).authLink.gone = true
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// authLinkUser finds the live user of a usable auth link id. Call with store.mu held.
func (s *Server) authLinkUser(id string) (*user, *apiError) {
	if u := s.store.linkOwner(id); u != nil {
		_, err := s.liveAuthLink(u)
		return u, err
	}
	return nil, errNotFound("auth link")
}
