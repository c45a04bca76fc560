package basiqtest

import "net/http"

// managePage is action=manage: the user's consent and connections, and a way to revoke.
type managePage struct {
	consentVisit
	Consent     *consentOut
	Connections []manageConn
}

type manageConn struct{ ID, Bank, Status string }

// managePage builds the manage page. Call with store.mu held.
func (s *Server) managePage(r *http.Request, u *user, v consentVisit) managePage {
	m := managePage{consentVisit: v}
	if cs := s.activeConsent(u); cs != nil {
		o := s.consentJSON(r, cs)
		m.Consent = &o
	}
	for _, cid := range u.conns {
		if c := s.store.conns[cid]; !c.deleted {
			m.Connections = append(m.Connections, manageConn{c.id, s.institution(c.institution).name, s.connStatus(c)})
		}
	}
	return m
}

// postConsentRevoke is the manage page's "Revoke consent": the consent ends (consent.revoked,
// its connections invalid).
func (s *Server) postConsentRevoke(w http.ResponseWriter, r *http.Request) *apiError {
	return s.consentChange(w, r, func(cs *consent) { s.endConsent(cs, "revoked", s.now()) }, "revoked")
}

// postConsentExtend is the manage page's "Extend consent": the active consent lasts
// WithConsentTTL from now (consent.updated).
func (s *Server) postConsentExtend(w http.ResponseWriter, r *http.Request) *apiError {
	return s.consentChange(w, r, func(cs *consent) {
		now := s.now()
		cs.expires, cs.updated = now.Add(s.cfg.consentTTL), now
		s.track.pushConsent(cs.expires, cs)
		rq := s.baseRequest()
		s.emit("consent.updated", cs.userID, s.baseURL(rq)+consentPath(cs), s.consentJSON(rq, cs), now)
	}, "extended")
}

// consentChange applies change to the visit user's active consent, then ends the visit with the
// state only (or a page saying what happened).
func (s *Server) consentChange(w http.ResponseWriter, r *http.Request, change func(*consent), done string) *apiError {
	if err := r.ParseForm(); err != nil {
		renderUI(w, 400, "error", "The form could not be read.")
		return nil
	}
	v := readVisit(r)
	s.store.mu.Lock()
	s.noteBase(r)
	s.settle()
	u, uerr := s.visitUser(v)
	var cs *consent
	if uerr == nil {
		if cs = s.activeConsent(u); cs == nil {
			uerr = &uiError{400, "There is no active consent to change."}
		}
	}
	if uerr == nil {
		change(cs)
	}
	s.store.mu.Unlock()
	if uerr != nil {
		renderUI(w, uerr.status, "error", uerr.msg)
		return nil
	}
	if u := redirectURL(s.cfg.consentRedirect, nil, v.State); u != "" {
		http.Redirect(w, r, u, http.StatusSeeOther)
		return nil
	}
	renderUI(w, 200, "changed", done)
	return nil
}
