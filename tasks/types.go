package tasks

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/redact"
	"github.com/basiq-worker/basiq-worker/internal/wire"
)

// Task type names, as Result.Kind names them. They are stored in Redis with
// every task: they never change.
const (
	// TypeCreateConnection ("connection:create") creates a Basiq connection ([Client.CreateConnection]).
	TypeCreateConnection = wire.TypeCreateConnection
	// TypeUpdateConnection ("connection:update") updates a connection's credentials ([Client.UpdateConnection]).
	TypeUpdateConnection = wire.TypeUpdateConnection
	// TypeRefreshConnection ("connection:refresh") refreshes one connection ([Client.RefreshConnection]).
	TypeRefreshConnection = wire.TypeRefreshConnection
	// TypeRefreshAll ("user:refresh-all") refreshes all of a user's connections ([Client.RefreshAll]).
	TypeRefreshAll = wire.TypeRefreshAll
	// TypeAnswerMFA ("job:mfa-answer") answers a Basiq MFA challenge ([Client.AnswerMFA]).
	TypeAnswerMFA = wire.TypeAnswerMFA
	// TypeFollowJobs ("jobs:follow") follows Basiq jobs the worker did not start ([Client.FollowJobs]).
	TypeFollowJobs = wire.TypeFollowJobs
)

// Credentials are a user's plaintext bank credentials. They exist on the
// application side only: the [Client] seals them before enqueueing.
//
// Formatting (String, GoString, every fmt verb, slog) redacts Password and
// SecurityCode, and MarshalJSON always fails so that credentials cannot be
// serialized by accident.
type Credentials struct {
	LoginID          string
	Password         string
	SecurityCode     string
	SecondaryLoginID string
}

// String returns the credentials with Password and SecurityCode redacted.
func (c Credentials) String() string {
	return fmt.Sprintf("{LoginID:%s Password:%s SecurityCode:%s SecondaryLoginID:%s}",
		c.LoginID, redact.Secret(c.Password), redact.Secret(c.SecurityCode), c.SecondaryLoginID)
}

// GoString returns the credentials with Password and SecurityCode redacted.
func (c Credentials) GoString() string {
	return fmt.Sprintf("tasks.Credentials{LoginID:%q, Password:%q, SecurityCode:%q, SecondaryLoginID:%q}",
		c.LoginID, redact.Secret(c.Password), redact.Secret(c.SecurityCode), c.SecondaryLoginID)
}

// Format implements fmt.Formatter so that every verb (%v, %+v, %#v, %s, %q, %x)
// prints the redacted form.
func (c Credentials) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, c.GoString())
	case verb == 'q':
		fmt.Fprintf(f, "%q", c.String())
	default:
		fmt.Fprint(f, c.String())
	}
}

// LogValue implements slog.LogValuer with secrets redacted.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("loginId", c.LoginID),
		slog.String("password", redact.Secret(c.Password)),
		slog.String("securityCode", redact.Secret(c.SecurityCode)),
		slog.String("secondaryLoginId", c.SecondaryLoginID),
	)
}

// MarshalJSON always returns [ErrCredentialsNotSerializable].
func (c Credentials) MarshalJSON() ([]byte, error) {
	return nil, ErrCredentialsNotSerializable
}

// Outcome is how a Basiq job ended.
type Outcome string

// Outcomes of a Basiq job.
const (
	// OutcomeCompleted: every step succeeded.
	OutcomeCompleted Outcome = "completed"
	// OutcomeFailed: a step failed, or the task failed permanently.
	OutcomeFailed Outcome = "failed"
	// OutcomeTimedOut: the job was still running at its deadline.
	OutcomeTimedOut Outcome = "timed_out"
	// OutcomeSkipped: a scheduled refresh was not sent, to keep within
	// Basiq's refresh limits; Error says why (CodeRefreshBudgetSpent,
	// CodeRefreshTooSoon) and when the next one may go. Nothing reached
	// Basiq.
	OutcomeSkipped Outcome = "skipped"
)

// StepObservation is a Basiq job step as the worker saw it.
type StepObservation struct {
	Title  string `json:"title"`
	Status string `json:"status"`
	// ObservedAt is the first time the worker saw the step in this status.
	ObservedAt time.Time `json:"observedAt"`
}

// ErrorInfo is the error that ended a job: Basiq's own error when there is one.
type ErrorInfo struct {
	Code          ErrorCode `json:"code"`
	Title         string    `json:"title"`
	Detail        string    `json:"detail"`
	CorrelationID string    `json:"correlationId,omitempty"`
	// Step is the job step that failed, if any.
	Step string `json:"step,omitempty"`
}

// Result is the outcome of one Basiq job, published once by the worker.
type Result struct {
	V       int     `json:"v"`
	Outcome Outcome `json:"outcome"`
	// TaskID is the id of the task the application enqueued (the id returned
	// by the Client methods), carried through any follow-up polls.
	TaskID         string `json:"taskId"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	UserID         string `json:"userId"`
	ConnectionID   string `json:"connectionId,omitempty"`
	JobID          string `json:"jobId,omitempty"`
	InstitutionID  string `json:"institutionId,omitempty"`
	// Kind is the task type that started the job, e.g. TypeCreateConnection.
	Kind  string            `json:"kind"`
	Steps []StepObservation `json:"steps"`
	Error *ErrorInfo        `json:"error,omitempty"`
	// Accounts are the ids of the accounts found.
	Accounts   []string  `json:"accounts"`
	Polls      int       `json:"polls"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
}

// MFARequired tells the application that a job waits for an MFA answer,
// to be sent with [Client.AnswerMFA] before ExpiresAt.
type MFARequired struct {
	V            int    `json:"v"`
	TaskID       string `json:"taskId"`
	UserID       string `json:"userId"`
	ConnectionID string `json:"connectionId,omitempty"`
	JobID        string `json:"jobId"`
	// Method is Basiq's MFA method: "token" or "security-questions".
	Method      string    `json:"method"`
	Description string    `json:"description"`
	Input       []string  `json:"input"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// Event types.
const (
	// EventResult carries the Result that ends a task (durable).
	EventResult = "result"
	// EventMFARequired tells that a job waits for an MFA answer (durable).
	EventMFARequired = "mfa_required"
	// EventProgress carries a job's step statuses (live only, see [Progress]).
	EventProgress = "progress"
)

// Event is one entry of the results stream.
type Event struct {
	// Type is EventResult, EventMFARequired, EventBasiq or EventConsentRevoked.
	Type string `json:"type"`
	// ID is the dedupe id: "result:"+jobID (or "result:task:"+taskID when
	// no Basiq job was started) or "mfa:"+jobID.
	ID     string       `json:"id"`
	Result *Result      `json:"result,omitempty"`
	MFA    *MFARequired `json:"mfa,omitempty"`
	// Progress is set on live-only EventProgress events (see Client.Follow).
	Progress *Progress `json:"progress,omitempty"`
	// Basiq is set on EventBasiq and EventConsentRevoked events.
	Basiq *BasiqEvent `json:"basiq,omitempty"`
	// StreamID is the stream position of the event, set when it is read
	// from the stream: pass it to Client.Results or ReadResults to resume
	// after this event.
	StreamID string `json:"-"`
}
