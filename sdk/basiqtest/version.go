package basiqtest

import (
	"net/http"
	"strings"
)

// tokenOf returns the bearer token of a request that authorize accepted.
func (s *Server) tokenOf(r *http.Request) (tokenInfo, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return tokenInfo{}, false
	}
	s.auth.mu.RLock()
	info, found := s.auth.byTok[strings.TrimSpace(tok)]
	s.auth.mu.RUnlock()
	return info, found
}

// requestVersion is the API version a request speaks: its basiq-version header, else the version
// its token was issued under.
func (s *Server) requestVersion(r *http.Request) string {
	if v := strings.TrimSpace(r.Header.Get("basiq-version")); v != "" {
		return v
	}
	info, _ := s.tokenOf(r)
	return info.version
}

// refuseCredentials3 refuses the credentials routes (create and update a connection) under 3.0.
func (s *Server) refuseCredentials3(r *http.Request) *apiError {
	if s.requestVersion(r) != "3.0" {
		return nil
	}
	return newError(403, "forbidden-access", "Connections cannot be created or updated with credentials in API 3.0: send the user to the Consent UI.",
		param("basiq-version"))
}

// checkTokenUser checks the userId of a CLIENT_ACCESS token request: under 3.0 (strict) it is
// required and must name a live user.
func (s *Server) checkTokenUser(scope, userID string, strict bool) *apiError {
	if !strict || scope != "CLIENT_ACCESS" {
		return nil
	}
	if userID == "" {
		return newError(400, "parameter-not-supplied", "userId is required with scope CLIENT_ACCESS.", param("userId"))
	}
	s.store.mu.RLock()
	_, err := s.store.liveUser(userID)
	s.store.mu.RUnlock()
	if err != nil {
		return errNotValid(param("userId"), "User '"+userID+"' does not exist.")
	}
	return nil
}

// needClientForMFA refuses, under 3.0, an MFA answer sent with a token other than the
// CLIENT_ACCESS token of the job's user.
func (s *Server) needClientForMFA(r *http.Request, j *job) *apiError {
	if s.requestVersion(r) != "3.0" {
		return nil
	}
	if info, _ := s.tokenOf(r); info.scope == "CLIENT_ACCESS" && info.userID == j.userID {
		return nil
	}
	return newError(403, "forbidden-access", "MFA answers need a CLIENT_ACCESS token bound to the job's user.", param("Authorization"))
}
