package basiqtest

import (
	"net/http"
	"net/url"
	"strings"
)

// connectorMethods are the 3.0 methods of the institutions' connections (the rest are web).
var connectorMethods = map[string]string{"AU00201": "openbanking", "AU00301": "openbanking",
	"AU00401": "openbanking", "AU00501": "openbanking", "AU01101": "openbanking"}

func connectionMethod(inst string) string {
	if m, ok := connectorMethods[inst]; ok {
		return m
	}
	return "web"
}

// consentRequest is what a user submits in the Consent UI.
type consentRequest struct {
	UserID           string   `json:"userId"`
	InstitutionID    string   `json:"institutionId"`
	LoginID          string   `json:"loginId"`
	Password         string   `json:"password"`
	SecurityCode     string   `json:"securityCode"`
	SecondaryLoginID string   `json:"secondaryLoginId"`
	MFAResponse      []string `json:"mfa-response"`
	ConnectionID     string   `json:"connectionId"`
	State            string   `json:"state"`

	noConsent bool // the HTML form's consent box was not ticked
}

// consentResult is what one Consent UI submit made.
type consentResult struct {
	ConsentID    string   `json:"consentId"`
	ConnectionID string   `json:"connectionId"`
	JobID        string   `json:"jobId"`
	JobIDs       []string `json:"jobIds"`
	State        string   `json:"state"`
	Redirect     string   `json:"redirect"`
	mfa          string   // the MFA method the job will ask, "" when none
}

func (q *consentRequest) validate() *apiError {
	q.LoginID, q.Password = strings.TrimSpace(q.LoginID), strings.TrimSpace(q.Password)
	q.InstitutionID = strings.TrimSpace(q.InstitutionID)
	switch {
	case q.UserID == "":
		return errNotSupplied("/userId")
	case q.ConnectionID == "" && q.InstitutionID == "":
		return errNotSupplied("/institutionId")
	case q.ConnectionID == "" && q.LoginID == "":
		return errNotSupplied("/loginId")
	case q.Password == "":
		return errNotSupplied("/password")
	}
	return nil
}

// consentConnect does what a Consent UI submit does: it records the consent when the user has
// none, makes the connection (or re-authorises connectionId) and its job exactly as a
// credentials create would, and records an MFA answer given with it.
func (s *Server) consentConnect(r *http.Request, q consentRequest) (consentResult, *apiError) {
	if err := q.validate(); err != nil {
		return consentResult{}, err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	s.noteBase(r)
	s.settle()
	u, err := s.store.liveUser(q.UserID)
	if err != nil {
		return consentResult{}, err
	}
	c, err := s.consentTarget(u, q)
	if err != nil {
		return consentResult{}, err
	}
	cs := s.activeConsent(u)
	if cs == nil && q.noConsent {
		return consentResult{}, errNotSupplied("/consent")
	}
	if cs == nil {
		cs = s.newConsent(r, u)
	}
	if c == nil {
		c = s.addConnection(r, u, q.InstitutionID, connectionMethod(q.InstitutionID), q.LoginID, q.Password)
	} else {
		c.password, s.store.cext(c).consentEnded = q.Password, false
		if q.LoginID != "" {
			c.loginID = q.LoginID
		}
	}
	s.store.cext(c).consentID = cs.id
	j := s.newJob(c, u)
	if len(q.MFAResponse) > 0 {
		s.preAnswerMFA(j, q.MFAResponse[0])
	}
	return consentResult{ConsentID: cs.id, ConnectionID: c.id, JobID: j.id, JobIDs: []string{j.id}, State: q.State,
		Redirect: redirectURL(s.cfg.consentRedirect, []string{j.id}, q.State), mfa: j.mfaMethod}, nil
}

// consentTarget is the connection a submit re-authorises (nil for a new one); it checks the
// institution of a new one.
func (s *Server) consentTarget(u *user, q consentRequest) (*connection, *apiError) {
	if q.ConnectionID != "" {
		c, err := s.store.userConn(u.id, q.ConnectionID)
		if err != nil {
			return nil, err
		}
		if s.store.cget(c).method == "pdf" || s.store.cget(c).method == "csv" {
			return nil, errNotValid(pointer("/connectionId"), "Connection "+c.id+" was made from a statement upload; it has no login.")
		}
		return c, nil
	}
	if s.institution(q.InstitutionID) == nil {
		return nil, errNotValid(pointer("/institutionId"), "Requested institution does not exist.")
	}
	return nil, nil
}

// preAnswerMFA records the Consent UI's MFA answer for j: it counts from when mfa-challenge
// starts (or now, if that has started), so the challenge is never left open. A late answer to
// a challenge that already ended is ignored.
func (s *Server) preAnswerMFA(j *job, answer string) {
	if j.mfaMethod == "" {
		return
	}
	sh := s.store.shard(j.id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	now := s.now()
	for _, st := range j.states(now, s.cfg.mfaExpiry) {
		if st.title == stepMFA && (st.status == "pending" || st.challenge) && j.mfaAt.IsZero() {
			j.mfaAt, j.mfaOK = now, answer == mfaAnswers[j.mfaMethod]
			s.track.pushJob(now, j)
		}
	}
}

// redirectURL adds jobId (the last job), jobIds and state to the redirect URL's query (only
// state when no job was made, as after revoking in the manage page).
func redirectURL(base string, jobIDs []string, state string) string {
	if base == "" {
		return ""
	}
	var parts []string
	if len(jobIDs) > 0 {
		parts = append(parts, "jobId="+url.QueryEscape(jobIDs[len(jobIDs)-1]),
			"jobIds="+strings.ReplaceAll(url.QueryEscape(strings.Join(jobIDs, ",")), "%2C", ","))
	}
	if state != "" {
		parts = append(parts, "state="+url.QueryEscape(state))
	}
	if len(parts) == 0 {
		return base
	}
	q := strings.Join(parts, "&")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q
}

// postMockConsent is POST /_mock/consent: a Consent UI submit as JSON.
func (s *Server) postMockConsent(w http.ResponseWriter, r *http.Request) *apiError {
	var q consentRequest
	if err := decodeJSON(r, &q); err != nil {
		return err
	}
	res, err := s.consentConnect(r, q)
	if err != nil {
		return err
	}
	writeJSON(w, 201, res)
	return nil
}
