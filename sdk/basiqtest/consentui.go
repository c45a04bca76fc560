package basiqtest

import (
	"net/http"
	"sort"
	"strings"
)

// The Consent UI: the page Basiq hosts at consent.basiq.io/home, served at /consent. It takes
// the user from a CLIENT_ACCESS token (or an auth link), shows an institution picker and the
// login form, then for the MFA banks the MFA prompt, and on submit does what consentConnect
// does and redirects to WithConsentRedirect with jobId, jobIds and state.

// consentVisit is what one page of a Consent UI visit carries from the query or the form.
type consentVisit struct {
	Token, AuthLink, State, Action, InstitutionID, ConnectionID string
	JobIDs                                                      string // comma-joined jobs this visit made so far
	Next                                                        string // "another": connect one more bank after this
}

func readVisit(r *http.Request) consentVisit {
	g := func(k string) string { return strings.TrimSpace(r.FormValue(k)) }
	return consentVisit{Token: g("token"), AuthLink: g("authLink"), State: r.FormValue("state"), Action: g("action"),
		InstitutionID: g("institutionId"), ConnectionID: g("connectionId"), JobIDs: g("jobIds"), Next: g("next")}
}

// visitJobs checks the jobs a visit carries (they must be u's) and adds more.
func (s *Server) visitJobs(u *user, v consentVisit, more ...string) ([]string, *uiError) {
	var ids []string
	if v.JobIDs != "" {
		for _, id := range strings.Split(v.JobIDs, ",") {
			if j, ok := s.store.job(id); !ok || j.userID != u.id {
				return nil, &uiError{400, "Job " + id + " is not one of this user's."}
			}
			ids = append(ids, id)
		}
	}
	return append(ids, more...), nil
}

// uiError is an HTML error page of the Consent UI.
type uiError struct {
	status int
	msg    string
}

// visitUser resolves the user of a visit: a CLIENT_ACCESS token bound to a live user, or a
// usable auth link. Call with store.mu held.
func (s *Server) visitUser(v consentVisit) (*user, *uiError) {
	if v.AuthLink != "" {
		u, err := s.authLinkUser(v.AuthLink)
		if err != nil {
			return nil, &uiError{err.status, "This link cannot be used: " + err.item.Detail}
		}
		return u, nil
	}
	s.auth.mu.RLock()
	info, ok := s.auth.byTok[v.Token]
	s.auth.mu.RUnlock()
	switch {
	case v.Token == "" || !ok:
		return nil, &uiError{401, "The token is missing or unknown: open the Consent UI with a CLIENT_ACCESS token."}
	case !s.now().Before(info.expires):
		return nil, &uiError{401, "The token has expired: get a new CLIENT_ACCESS token."}
	case info.scope != "CLIENT_ACCESS":
		return nil, &uiError{403, "The Consent UI needs a CLIENT_ACCESS token bound to a user, not a " + info.scope + " one."}
	}
	u, err := s.store.liveUser(info.userID)
	if err != nil {
		return nil, &uiError{403, "The token's user does not exist."}
	}
	return u, nil
}

// checkAction accepts the actions the fake serves.
func (v consentVisit) checkAction() *uiError {
	switch v.Action {
	case "", "null", "connect", "update", "reauthorise", "manage", "extend":
		if (v.Action == "update" || v.Action == "reauthorise") && v.ConnectionID == "" {
			return &uiError{400, "action=" + v.Action + " needs a connectionId."}
		}
		return nil
	}
	return &uiError{400, "action '" + v.Action + "' is not served by this fake Consent UI (connect, update, reauthorise, manage, extend)."}
}

// formPage is what the login form shows.
type formPage struct {
	consentVisit
	UserEmail    string
	NeedConsent  bool
	Institutions []instOption
	Fixed        string // the institution's name when the picker is skipped
	Logins       []loginHint
	Error        string
}

type instOption struct{ ID, Name string }

type loginHint struct{ Login, Password, Outcome string }

var loginHints = func() []loginHint {
	var out []loginHint
	for l, p := range sandboxLogins {
		out = append(out, loginHint{l, p, "succeeds"})
	}
	sort.Slice(out, func(i, k int) bool { return strings.ToLower(out[i].Login) < strings.ToLower(out[k].Login) })
	for _, l := range []string{"bighead", "erlich", "jianYang"} {
		f := failingLogins[l]
		out = append(out, loginHint{l, f[0], "fails: " + f[1]})
	}
	return out
}()

// page builds the login form for a visit. Call with store.mu held.
func (s *Server) page(u *user, v consentVisit, msg string) (formPage, *uiError) {
	p := formPage{consentVisit: v, UserEmail: u.email, NeedConsent: s.activeConsent(u) == nil, Logins: loginHints, Error: msg}
	if v.ConnectionID != "" {
		c, err := s.store.userConn(u.id, v.ConnectionID)
		if err != nil {
			return p, &uiError{400, "Connection " + v.ConnectionID + " is not one of this user's."}
		}
		p.InstitutionID = c.institution
	}
	if p.InstitutionID == "" {
		for _, in := range s.insts {
			p.Institutions = append(p.Institutions, instOption{in.id, in.name})
		}
		return p, nil
	}
	in := s.institution(p.InstitutionID)
	if in == nil {
		return p, &uiError{400, "Institution " + p.InstitutionID + " does not exist."}
	}
	p.Fixed = in.name
	return p, nil
}

func (s *Server) getConsentUI(w http.ResponseWriter, r *http.Request) *apiError {
	v := readVisit(r)
	s.store.mu.Lock()
	s.settle()
	u, uerr := s.visitUser(v)
	var p formPage
	if uerr == nil {
		uerr = v.checkAction()
	}
	if uerr == nil && (v.Action == "manage" || v.Action == "extend") {
		m := s.managePage(r, u, v)
		s.store.mu.Unlock()
		renderUI(w, 200, "manage", m)
		return nil
	}
	if uerr == nil {
		p, uerr = s.page(u, v, "")
	}
	s.store.mu.Unlock()
	if uerr != nil {
		renderUI(w, uerr.status, "error", uerr.msg)
		return nil
	}
	renderUI(w, 200, "form", p)
	return nil
}
