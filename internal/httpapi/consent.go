package httpapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// consentActions are the values ?action= accepts ("" is the default flow).
var consentActions = []string{"", sdk.ConsentActionConnect, sdk.ConsentActionManage, sdk.ConsentActionUpdate,
	sdk.ConsentActionExtend, sdk.ConsentActionReauthorise}

// consentURL answers the Consent UI link of a user, holding a
// CLIENT_ACCESS token bound to that user: hand it to the user's browser.
func (s *Server) consentURL(w http.ResponseWriter, r *http.Request) {
	if s.opts.Consent == nil {
		writeProblem(w, r, problem(http.StatusServiceUnavailable, "consent-not-configured", "Service Unavailable",
			"this server has no Basiq API key to make Consent UI links"))
		return
	}
	q := r.URL.Query()
	userID := r.PathValue("userId")
	o := sdk.ConsentOptions{Action: q.Get("action"), State: q.Get("state"),
		InstitutionID: q.Get("institutionId"), ConnectionID: q.Get("connectionId")}
	var p params
	p.id("userId", userID)
	if !slices.Contains(consentActions, o.Action) {
		p.add("action", "must be one of connect, manage, update, extend, reauthorise")
	}
	if o.ConnectionID != "" {
		p.id("connectionId", o.ConnectionID)
	}
	if o.InstitutionID != "" {
		p.id("institutionId", o.InstitutionID)
	}
	if len(o.State) > 512 {
		p.add("state", "is longer than 512 bytes")
	}
	if len(p) > 0 {
		writeProblem(w, r, invalid(p...))
		return
	}
	link, err := s.opts.Consent(r.Context(), userID, o)
	if err != nil {
		writeProblem(w, r, basiqProblem(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": link})
}

// basiqProblem is the answer to a failed call to Basiq: 404 for an
// unknown user, else 502 (the cause is logged). Basiq says "unknown user"
// as a 404, or, to a CLIENT_ACCESS token request (what a Consent UI link
// starts with), as a 400 parameter-not-valid naming userId.
func basiqProblem(err error) *Problem {
	if unknownUser(err) {
		return problem(http.StatusNotFound, "unknown-user", "Not Found", "Basiq has no such user")
	}
	p := problem(http.StatusBadGateway, "basiq-unavailable", "Bad Gateway", "Basiq did not answer as expected; retry later")
	p.cause = err
	return p
}

// unknownUser reports whether Basiq answered err because the user does not
// exist.
func unknownUser(err error) bool {
	var apiErr *sdk.Error
	if !errors.As(err, &apiErr) {
		return false
	}
	if apiErr.StatusCode == http.StatusNotFound {
		return true
	}
	if apiErr.StatusCode != http.StatusBadRequest {
		return false
	}
	for _, d := range apiErr.Details {
		if d.Code == string(sdk.CodeParameterNotValid) && d.Source != nil && d.Source.Parameter == "userId" {
			return true
		}
	}
	return false
}
