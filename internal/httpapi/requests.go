package httpapi

import (
	"fmt"
	"strings"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// credentialsBody is the credentials member of a create request.
type credentialsBody struct {
	LoginID          string `json:"loginId"`
	Password         string `json:"password"`
	SecurityCode     string `json:"securityCode,omitempty"`
	SecondaryLoginID string `json:"secondaryLoginId,omitempty"`
}

// createConnectionBody is the body of POST /v1/connections.
type createConnectionBody struct {
	UserID        string          `json:"userId"`
	InstitutionID string          `json:"institutionId"`
	Credentials   credentialsBody `json:"credentials"`
}

// mfaBody is the body of POST /v1/jobs/{id}/mfa.
type mfaBody struct {
	UserID  string   `json:"userId"`
	Answers []string `json:"answers"`
}

// params collects the bad fields of a request.
type params []InvalidParam

func (p *params) add(name, format string, args ...any) {
	*p = append(*p, InvalidParam{Name: name, Reason: fmt.Sprintf(format, args...)})
}

// id checks a user, connection or job id (wire.ValidateID), named name.
func (p *params) id(name, v string) {
	if err := wire.ValidateID(name, v); err != nil {
		p.add(name, "%s", reasonOf(err, name))
	}
}

// secret checks a credential: required or not, at most wire.MaxCredentialLen bytes.
func (p *params) secret(name, v string, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		p.add(name, "is required")
	case len(v) > wire.MaxCredentialLen:
		p.add(name, "is longer than %d bytes", wire.MaxCredentialLen)
	}
}

// reasonOf strips the "field NAME: " prefix of a tasks validation error.
func reasonOf(err error, name string) string {
	s := err.Error()
	if i := strings.Index(s, name+": "); i >= 0 {
		s = s[i+len(name)+2:]
	}
	return s
}

func (b createConnectionBody) validate() params {
	var p params
	p.id("userId", b.UserID)
	if !wire.InstitutionIDPattern.MatchString(b.InstitutionID) {
		p.add("institutionId", "must look like AU00000 (two capital letters, five digits)")
	}
	p.secret("credentials.loginId", b.Credentials.LoginID, true)
	p.secret("credentials.password", b.Credentials.Password, true)
	p.secret("credentials.securityCode", b.Credentials.SecurityCode, false)
	p.secret("credentials.secondaryLoginId", b.Credentials.SecondaryLoginID, false)
	return p
}

func (b createConnectionBody) request() tasks.CreateConnection {
	c := b.Credentials
	return tasks.CreateConnection{UserID: b.UserID, InstitutionID: b.InstitutionID, Credentials: tasks.Credentials{
		LoginID: c.LoginID, Password: c.Password, SecurityCode: c.SecurityCode, SecondaryLoginID: c.SecondaryLoginID}}
}

func (b mfaBody) validate() params {
	var p params
	p.id("userId", b.UserID)
	if len(b.Answers) == 0 {
		p.add("answers", "at least one answer is required")
	}
	if len(b.Answers) > 16 {
		p.add("answers", "at most 16 answers")
	}
	for i, a := range b.Answers {
		p.secret(fmt.Sprintf("answers[%d]", i), a, true)
	}
	return p
}

// followBody is the body of POST /v1/follows: the job ids the Consent UI
// handed back for a user (API 3.0).
type followBody struct {
	UserID string   `json:"userId"`
	JobIDs []string `json:"jobIds"`
}

func (b followBody) validate() params {
	var p params
	p.id("userId", b.UserID)
	switch {
	case len(b.JobIDs) == 0:
		p.add("jobIds", "at least one job id is required")
	case len(b.JobIDs) > wire.MaxFollowJobs:
		p.add("jobIds", "at most %d job ids", wire.MaxFollowJobs)
	}
	seen := map[string]bool{}
	for i, id := range b.JobIDs {
		name := fmt.Sprintf("jobIds[%d]", i)
		p.id(name, id)
		if seen[id] {
			p.add(name, "is given twice")
		}
		seen[id] = true
	}
	return p
}
