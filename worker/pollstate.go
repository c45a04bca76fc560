package worker

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/clip"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// Poll actions.
const (
	actionLook    = ""        // GET /jobs/{id}
	actionRefresh = "refresh" // refresh the connection (institution-side retry), then follow the new job
)

// work is the identity of the work a task asked for: what its result
// names. It does not change while the work is followed, except that a
// connection id unknown at the start is learned from the job. A task
// waiting on another task's chain is recorded as its work (follow.go).
type work struct {
	// TaskID is the id of the task the application enqueued.
	TaskID         string `json:"taskId"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// Kind is the type of the task that started the job.
	Kind          string    `json:"kind"`
	UserID        string    `json:"userId"`
	InstitutionID string    `json:"institutionId,omitempty"`
	ConnectionID  string    `json:"connectionId,omitempty"`
	StartedAt     time.Time `json:"startedAt"`
}

// chain is the state of following one Basiq job, handed from one poll to
// the next: what decide reads and returns.
type chain struct {
	JobID string `json:"jobId"`
	// N numbers this poll: its task id is poll:<JobID>:<N>.
	N int `json:"n"`
	// Action is "" (look at the job) or "refresh".
	Action string `json:"action,omitempty"`
	// Polls counts the GET /jobs calls made so far (all jobs of the task).
	Polls int `json:"polls"`
	// Retries counts the refreshes made after institution-side failures.
	Retries int `json:"retries,omitempty"`
	// Steps are the step status changes observed, in order.
	Steps []tasks.StepObservation `json:"steps"`
	// Step is the current step; it became current between StepSince and
	// StepBy (the looks' estimate, StepBy zero when not known); Looks how
	// many looks found it running.
	Step      string    `json:"step,omitempty"`
	StepSince time.Time `json:"stepSince"`
	StepBy    time.Time `json:"stepBy,omitzero"`
	Looks     int       `json:"looks"`
	LastLook  time.Time `json:"lastLook,omitzero"`
	// Prev are the jobs this chain followed before JobID (institution-side
	// refreshes): their waiters get this chain's outcome too.
	Prev []string `json:"prev,omitempty"`
	// Shared was set by earlier versions on a second chain following a job
	// another task followed; such chains (still in flight during an
	// upgrade) keep their poll and event ids. New chains never set it: a
	// second task waits on the job's one chain (follow.go).
	Shared bool `json:"shared,omitempty"`
	// MFASent is set once the mfa_required event was published.
	MFASent bool `json:"mfaSent,omitempty"`
	// Deadline is the chain's: the latest of the tasks attached to the job.
	Deadline time.Time `json:"deadline"`
	// Errs counts the looks in a row that failed (a 5xx, Redis away; not a
	// throttled one): the retries of the look, as asynq counted them for a
	// poll task.
	Errs int `json:"errs,omitempty"`
}

// pollPayload is the payload of wire.TypePollJob: the work followed and
// the state of following it. Its JSON is flat (the embedded structs'
// fields), as it was before the split, so polls in flight across an
// upgrade decode.
type pollPayload struct {
	V int `json:"v"`
	work
	chain
}

// Validate checks the fields a poll cannot do without.
func (p pollPayload) Validate() error {
	switch {
	case p.V != wire.PayloadVersion:
		return fmt.Errorf("field v: unsupported payload version %d", p.V)
	case p.TaskID == "" || p.UserID == "" || p.JobID == "":
		return errors.New("fields taskId, userId and jobId are required")
	case p.Deadline.IsZero():
		return errors.New("field deadline: required")
	case len(p.TaskID) > maxTaskIDLen:
		return fmt.Errorf("field taskId: %d bytes, longer than %d", len(p.TaskID), maxTaskIDLen)
	case p.InstitutionID != "" && !wire.InstitutionIDPattern.MatchString(p.InstitutionID):
		return fmt.Errorf("field institutionId: %s is not a Basiq institution id", clip.Quote(p.InstitutionID, 16))
	case len(p.IdempotencyKey) > wire.MaxIdempotencyKeyLen:
		return fmt.Errorf("field idempotencyKey: %d bytes, longer than %d", len(p.IdempotencyKey), wire.MaxIdempotencyKeyLen)
	case p.ConnectionID != "":
		if err := wire.ValidateID("connectionId", p.ConnectionID); err != nil {
			return err
		}
	}
	if err := wire.ValidateID("userId", p.UserID); err != nil {
		return err
	}
	return wire.ValidateID("jobId", p.JobID)
}

// maxTaskIDLen bounds the root task id a poll carries: an asynq UUID, or
// "<type>:<idempotency key>".
const maxTaskIDLen = 32 + wire.MaxIdempotencyKeyLen

// pollTaskID is the task id of poll n of a job.
func pollTaskID(jobID string, n int) string { return "poll:" + jobID + ":" + strconv.Itoa(n) }

// pollID is the task id of p: pollTaskID, or for a shared job one that
// also names the task.
func (p pollPayload) pollID() string {
	if p.Shared {
		return "poll:" + p.JobID + ":" + p.TaskID + ":" + strconv.Itoa(p.N)
	}
	return pollTaskID(p.JobID, p.N)
}

// eventSuffix distinguishes the events of a shared job's second follower.
func (p pollPayload) eventSuffix() string {
	if p.Shared {
		return ":" + p.TaskID
	}
	return ""
}
