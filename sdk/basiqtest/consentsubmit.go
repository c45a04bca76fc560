package basiqtest

import (
	"net/http"
	"strings"
)

// postConsentUI is the login form's submit: it connects, then shows the MFA prompt for MFA
// banks or finishes the visit.
func (s *Server) postConsentUI(w http.ResponseWriter, r *http.Request) *apiError {
	if err := r.ParseForm(); err != nil {
		renderUI(w, 400, "error", "The form could not be read.")
		return nil
	}
	v := readVisit(r)
	s.store.mu.Lock()
	u, uerr := s.visitUser(v)
	if uerr != nil && v.JobIDs != "" {
		u, uerr = s.visitUserAfterUse(v) // a visit connecting another bank: its auth link is spent
	}
	if uerr == nil {
		uerr = v.checkAction()
	}
	s.store.mu.Unlock()
	if uerr != nil {
		renderUI(w, uerr.status, "error", uerr.msg)
		return nil
	}
	q := consentRequest{UserID: u.id, InstitutionID: v.InstitutionID, ConnectionID: v.ConnectionID, State: v.State,
		LoginID: r.PostFormValue("loginId"), Password: r.PostFormValue("password"), noConsent: r.PostFormValue("consent") == ""}
	res, err := s.consentConnect(r, q)
	if err != nil {
		s.formAgain(w, u, v, formMessage(err))
		return nil
	}
	s.useAuthLink(v)
	if res.mfa != "" {
		renderUI(w, 200, "mfa", mfaPage{consentVisit: v, JobID: res.JobID, Question: mfaQuestion(res.mfa)})
		return nil
	}
	s.afterConnect(w, r, u, v, res.JobID)
	return nil
}

// afterConnect ends a connect: the form again for another bank (next=another), or the end of
// the visit with every job it made.
func (s *Server) afterConnect(w http.ResponseWriter, r *http.Request, u *user, v consentVisit, jobID string) {
	s.store.mu.Lock()
	ids, uerr := s.visitJobs(u, v, jobID)
	s.store.mu.Unlock()
	if uerr != nil {
		renderUI(w, uerr.status, "error", uerr.msg)
		return
	}
	if v.Next != "another" {
		s.finishVisit(w, r, ids, v.State)
		return
	}
	v.JobIDs, v.Next, v.InstitutionID, v.ConnectionID, v.Action = strings.Join(ids, ","), "", "", "", ""
	s.store.mu.Lock()
	p, uerr := s.page(u, v, "")
	s.store.mu.Unlock()
	if uerr != nil {
		renderUI(w, uerr.status, "error", uerr.msg)
		return
	}
	renderUI(w, 200, "form", p)
}

// postConsentDone ends a visit that connected banks with "another": the redirect with them all.
func (s *Server) postConsentDone(w http.ResponseWriter, r *http.Request) *apiError {
	if err := r.ParseForm(); err != nil {
		renderUI(w, 400, "error", "The form could not be read.")
		return nil
	}
	v := readVisit(r)
	s.store.mu.Lock()
	u, uerr := s.visitUserAfterUse(v)
	var ids []string
	if uerr == nil {
		ids, uerr = s.visitJobs(u, v)
	}
	s.store.mu.Unlock()
	if uerr == nil && len(ids) == 0 {
		uerr = &uiError{400, "No bank was connected in this visit."}
	}
	if uerr != nil {
		renderUI(w, uerr.status, "error", uerr.msg)
		return nil
	}
	s.finishVisit(w, r, ids, v.State)
	return nil
}

// formMessage turns a consentConnect error into words for the form.
func formMessage(err *apiError) string {
	switch ptr := err.item.Source; {
	case ptr != nil && ptr.Pointer == "/consent":
		return "Tick the box to give your consent."
	case ptr != nil && ptr.Pointer == "/loginId":
		return "Enter your login."
	case ptr != nil && ptr.Pointer == "/password":
		return "Enter your password."
	case ptr != nil && ptr.Pointer == "/institutionId":
		return "Choose your bank."
	}
	return err.item.Detail
}

// formAgain shows the form again with a message (400).
func (s *Server) formAgain(w http.ResponseWriter, u *user, v consentVisit, msg string) {
	s.store.mu.Lock()
	p, uerr := s.page(u, v, msg)
	s.store.mu.Unlock()
	if uerr != nil {
		renderUI(w, uerr.status, "error", uerr.msg)
		return
	}
	renderUI(w, 400, "form", p)
}

// useAuthLink spends the auth link a visit came with.
func (s *Server) useAuthLink(v consentVisit) {
	if v.AuthLink == "" {
		return
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if u, err := s.authLinkUser(v.AuthLink); err == nil {
		s.store.uext(u).authLink.gone = true
	}
}

type mfaPage struct {
	consentVisit
	JobID, Question string
}

func mfaQuestion(method string) string {
	if method == "token" {
		return "Enter the one-time code sent to your phone (sandbox: 1234)."
	}
	return "What is the name of your first employer? (sandbox: Hooli)"
}

// postConsentMFA records the MFA prompt's answer and finishes the visit.
func (s *Server) postConsentMFA(w http.ResponseWriter, r *http.Request) *apiError {
	if err := r.ParseForm(); err != nil {
		renderUI(w, 400, "error", "The form could not be read.")
		return nil
	}
	v := readVisit(r)
	jobID := r.PostFormValue("jobId")
	s.store.mu.Lock()
	u, uerr := s.visitUserAfterUse(v)
	s.store.mu.Unlock()
	if uerr != nil {
		renderUI(w, uerr.status, "error", uerr.msg)
		return nil
	}
	j, ok := s.store.job(jobID)
	if !ok || j.userID != u.id {
		renderUI(w, 400, "error", "Job "+jobID+" is not one of this user's.")
		return nil
	}
	answer := strings.TrimSpace(r.PostFormValue("answer"))
	if answer == "" {
		renderUI(w, 400, "mfa", mfaPage{consentVisit: v, JobID: jobID, Question: mfaQuestion(j.mfaMethod)})
		return nil
	}
	s.preAnswerMFA(j, answer)
	s.afterConnect(w, r, u, v, jobID)
	return nil
}

// visitUserAfterUse is visitUser for the MFA step, where an auth link is already spent.
func (s *Server) visitUserAfterUse(v consentVisit) (*user, *uiError) {
	if v.AuthLink == "" {
		return s.visitUser(v)
	}
	if u := s.store.linkOwner(v.AuthLink); u != nil {
		return u, nil
	}
	return nil, &uiError{404, "This link does not exist."}
}

// finishVisit redirects (303) to the partner with the job ids and state, or shows the done page.
func (s *Server) finishVisit(w http.ResponseWriter, r *http.Request, jobIDs []string, state string) {
	if u := redirectURL(s.cfg.consentRedirect, jobIDs, state); u != "" {
		http.Redirect(w, r, u, http.StatusSeeOther)
		return
	}
	renderUI(w, 200, "done", struct {
		JobIDs []string
		State  string
	}{jobIDs, state})
}
