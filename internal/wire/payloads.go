package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/clip"
	"github.com/hibiken/asynq"
)

// CreateConnectionPayload is the payload of TypeCreateConnection.
type CreateConnectionPayload struct {
	V             int    `json:"v"`
	UserID        string `json:"userId"`
	InstitutionID string `json:"institutionId"`
	// Credentials are sealed with the user id as additional data.
	Credentials    Sealed `json:"credentials"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// Deadline overrides the worker's job deadline; zero means the worker default.
	Deadline   time.Time `json:"deadline,omitzero"`
	EnqueuedAt time.Time `json:"enqueuedAt"`
}

// UpdateConnectionPayload is the payload of TypeUpdateConnection.
type UpdateConnectionPayload struct {
	V             int    `json:"v"`
	UserID        string `json:"userId"`
	ConnectionID  string `json:"connectionId"`
	InstitutionID string `json:"institutionId,omitempty"`
	// Credentials are sealed with the user id as additional data.
	Credentials    Sealed    `json:"credentials"`
	IdempotencyKey string    `json:"idempotencyKey,omitempty"`
	Deadline       time.Time `json:"deadline,omitzero"`
	EnqueuedAt     time.Time `json:"enqueuedAt"`
}

// RefreshConnectionPayload is the payload of TypeRefreshConnection.
type RefreshConnectionPayload struct {
	V              int       `json:"v"`
	UserID         string    `json:"userId"`
	ConnectionID   string    `json:"connectionId"`
	IdempotencyKey string    `json:"idempotencyKey,omitempty"`
	Deadline       time.Time `json:"deadline,omitzero"`
	EnqueuedAt     time.Time `json:"enqueuedAt"`
	// Scheduled marks a refresh enqueued by a refresh schedule: the worker
	// skips it to keep within Basiq's refresh limits.
	Scheduled bool `json:"scheduled,omitempty"`
}

// RefreshAllPayload is the payload of TypeRefreshAll.
type RefreshAllPayload struct {
	V              int       `json:"v"`
	UserID         string    `json:"userId"`
	IdempotencyKey string    `json:"idempotencyKey,omitempty"`
	Deadline       time.Time `json:"deadline,omitzero"`
	EnqueuedAt     time.Time `json:"enqueuedAt"`
	// Scheduled marks a refresh enqueued by a refresh schedule (see
	// RefreshConnectionPayload).
	Scheduled bool `json:"scheduled,omitempty"`
}

// AnswerMFAPayload is the payload of TypeAnswerMFA.
type AnswerMFAPayload struct {
	V      int    `json:"v"`
	UserID string `json:"userId"`
	JobID  string `json:"jobId"`
	// Answers is a sealed JSON []string bound to the user id and the job id
	// (Keyring.SealMFAAnswers, OpenMFAAnswers): it opens for no other job.
	Answers        Sealed    `json:"answers"`
	IdempotencyKey string    `json:"idempotencyKey,omitempty"`
	EnqueuedAt     time.Time `json:"enqueuedAt"`
}

// Validate checks the version, the required fields and the bounds of every
// id (see MaxIDLen, InstitutionIDPattern, MaxIdempotencyKeyLen, MaxSealedLen).
func (p CreateConnectionPayload) Validate() error {
	return FirstErr(checkVersion(p.V), ValidateID("userId", p.UserID), RequiredInstitution("institutionId", p.InstitutionID),
		checkSealed("credentials", p.Credentials), CheckIdempotencyKey("idempotencyKey", p.IdempotencyKey))
}

// Validate checks the version, the required fields and the bounds of every id.
func (p UpdateConnectionPayload) Validate() error {
	return FirstErr(checkVersion(p.V), ValidateID("userId", p.UserID), ValidateID("connectionId", p.ConnectionID),
		OptionalInstitution("institutionId", p.InstitutionID), checkSealed("credentials", p.Credentials),
		CheckIdempotencyKey("idempotencyKey", p.IdempotencyKey))
}

// Validate checks the version, the required fields and the bounds of every id.
func (p RefreshConnectionPayload) Validate() error {
	return FirstErr(checkVersion(p.V), ValidateID("userId", p.UserID), ValidateID("connectionId", p.ConnectionID),
		CheckIdempotencyKey("idempotencyKey", p.IdempotencyKey))
}

// Validate checks the version, the required fields and the bounds of every id.
func (p RefreshAllPayload) Validate() error {
	return FirstErr(checkVersion(p.V), ValidateID("userId", p.UserID), CheckIdempotencyKey("idempotencyKey", p.IdempotencyKey))
}

// Validate checks the version, the required fields and the bounds of every id.
func (p AnswerMFAPayload) Validate() error {
	return FirstErr(checkVersion(p.V), ValidateID("userId", p.UserID), ValidateID("jobId", p.JobID),
		checkSealed("answers", p.Answers), CheckIdempotencyKey("idempotencyKey", p.IdempotencyKey))
}

// Validator is implemented by payloads that Decode validates.
type Validator interface{ Validate() error }

// Decode is the one decode path for task payloads. It unmarshals the task's
// JSON payload into T and, when T implements Validator, validates it. Every
// error is a *PayloadError, wraps asynq.SkipRetry (a bad payload never gets
// better by retrying) and reads "decode <type>: <what>", naming the field
// at fault and quoting at most a few bytes of a bad value.
func Decode[T any](t *asynq.Task) (T, error) {
	var v T
	if err := json.Unmarshal(t.Payload(), &v); err != nil {
		var zero T
		return zero, &PayloadError{Type: t.Type(), Err: jsonErr(err)}
	}
	if val, ok := any(v).(Validator); ok {
		if err := val.Validate(); err != nil {
			var zero T
			return zero, &PayloadError{Type: t.Type(), Err: err}
		}
	}
	return v, nil
}

// PayloadError is the error of Decode: the payload of a task of Type cannot
// be used. It wraps Err and asynq.SkipRetry.
type PayloadError struct {
	Type string
	Err  error
}

// Error reads "decode <type>: <what>: skip retry for the task", the type
// cut to 64 bytes (it is whatever the enqueuer wrote).
func (e *PayloadError) Error() string {
	return "decode " + clip.String(e.Type, 64) + ": " + e.Err.Error() + ": " + asynq.SkipRetry.Error()
}

// Unwrap returns Err and asynq.SkipRetry.
func (e *PayloadError) Unwrap() []error { return []error{e.Err, asynq.SkipRetry} }

func jsonErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("field %s: want %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

func checkVersion(v int) error {
	switch v {
	case PayloadVersion:
		return nil
	case 0:
		return errors.New("field v: missing payload version")
	default:
		return fmt.Errorf("field v: unsupported payload version %d (want %d)", v, PayloadVersion)
	}
}

// Required returns an error naming field when v is empty.
func Required(field, v string) error {
	if v == "" {
		return fmt.Errorf("field %s: required", field)
	}
	return nil
}

// FirstErr returns the first non-nil error of errs.
func FirstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
