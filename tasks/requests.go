package tasks

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

// Validate checks the required fields.
func (r CreateConnection) Validate() error {
	return firstErr(required("UserID", r.UserID), required("InstitutionID", r.InstitutionID),
		required("Credentials.LoginID", r.Credentials.LoginID), required("Credentials.Password", r.Credentials.Password))
}

// Validate checks the required fields.
func (r UpdateConnection) Validate() error {
	return firstErr(required("UserID", r.UserID), required("ConnectionID", r.ConnectionID),
		required("Credentials.Password", r.Credentials.Password))
}

// Validate checks the required fields.
func (r RefreshConnection) Validate() error {
	return firstErr(required("UserID", r.UserID), required("ConnectionID", r.ConnectionID))
}

// Validate checks the required fields.
func (r RefreshAll) Validate() error { return required("UserID", r.UserID) }

// Validate checks the required fields.
func (r AnswerMFA) Validate() error {
	if err := firstErr(required("UserID", r.UserID), required("JobID", r.JobID)); err != nil {
		return err
	}
	if len(r.Answers) == 0 {
		return required("Answers", "")
	}
	return nil
}
