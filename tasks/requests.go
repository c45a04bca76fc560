package tasks

import "github.com/basiq-worker/basiq-worker/internal/wire"

// CreateConnection asks the worker to create a Basiq connection.
type CreateConnection struct {
	UserID        string
	InstitutionID string
	Credentials   Credentials
}

// UpdateConnection asks the worker to update a connection's credentials.
type UpdateConnection struct {
	UserID        string
	ConnectionID  string
	InstitutionID string
	Credentials   Credentials
}

// RefreshConnection asks the worker to refresh one connection.
type RefreshConnection struct {
	UserID       string
	ConnectionID string
}

// RefreshAll asks the worker to refresh all of a user's connections.
type RefreshAll struct {
	UserID string
}

// AnswerMFA answers a Basiq MFA challenge (see MFARequired).
type AnswerMFA struct {
	UserID  string
	JobID   string
	Answers []string
}

// Validate checks the required fields and their bounds (see the package
// documentation, "Bounds").
func (r CreateConnection) Validate() error {
	return wire.FirstErr(wire.ValidateID("UserID", r.UserID), wire.RequiredInstitution("InstitutionID", r.InstitutionID),
		wire.Required("Credentials.LoginID", r.Credentials.LoginID), wire.Required("Credentials.Password", r.Credentials.Password),
		checkCredentials("Credentials.", r.Credentials))
}

// Validate checks the required fields and their bounds.
func (r UpdateConnection) Validate() error {
	return wire.FirstErr(wire.ValidateID("UserID", r.UserID), wire.ValidateID("ConnectionID", r.ConnectionID),
		wire.OptionalInstitution("InstitutionID", r.InstitutionID),
		wire.Required("Credentials.Password", r.Credentials.Password), checkCredentials("Credentials.", r.Credentials))
}

// Validate checks the required fields and their bounds.
func (r RefreshConnection) Validate() error {
	return wire.FirstErr(wire.ValidateID("UserID", r.UserID), wire.ValidateID("ConnectionID", r.ConnectionID))
}

// Validate checks the required field and its bounds.
func (r RefreshAll) Validate() error { return wire.ValidateID("UserID", r.UserID) }

// Validate checks the required fields and their bounds.
func (r AnswerMFA) Validate() error {
	if err := wire.FirstErr(wire.ValidateID("UserID", r.UserID), wire.ValidateID("JobID", r.JobID)); err != nil {
		return err
	}
	if len(r.Answers) == 0 {
		return wire.Required("Answers", "")
	}
	return checkAnswers("Answers", r.Answers)
}
