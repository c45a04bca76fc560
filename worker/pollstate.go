package worker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/rs/zerolog"
)

// Poll actions.
const (
	actionLook    = ""        // GET /jobs/{id}
	actionRefresh = "refresh" // refresh the connection (institution-side retry), then follow the new job
)

// PollPayload is the payload of tasks.TypePollJob: the state of following
// one Basiq job, handed from one poll to the next.
type PollPayload struct {
	V int `json:"v"`
	// TaskID is the id of the task the application enqueued.
	TaskID         string `json:"taskId"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// Kind is the type of the task that started the job.
	Kind          string `json:"kind"`
	UserID        string `json:"userId"`
	InstitutionID string `json:"institutionId,omitempty"`
	ConnectionID  string `json:"connectionId,omitempty"`
	JobID         string `json:"jobId"`
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
	// Step is the current step; StepSince when it became current; Looks
	// how many looks found it running.
	Step      string    `json:"step,omitempty"`
	StepSince time.Time `json:"stepSince"`
	Looks     int       `json:"looks"`
	LastLook  time.Time `json:"lastLook,omitzero"`
	// Shared is set when another task already follows this Basiq job (Basiq
	// answers a refresh with the job still running): this chain's poll ids
	// and event ids then carry TaskID, so that each task gets its result.
	Shared bool `json:"shared,omitempty"`
	// MFASent is set once the mfa_required event was published.
	MFASent   bool      `json:"mfaSent,omitempty"`
	Deadline  time.Time `json:"deadline"`
	StartedAt time.Time `json:"startedAt"`
}

// Validate checks the fields a poll cannot do without.
func (p PollPayload) Validate() error {
	switch {
	case p.V != tasks.PayloadVersion:
		return fmt.Errorf("field v: unsupported payload version %d", p.V)
	case p.TaskID == "" || p.UserID == "" || p.JobID == "":
		return errors.New("fields taskId, userId and jobId are required")
	case p.Deadline.IsZero():
		return errors.New("field deadline: required")
	}
	return nil
}

// PollTaskID is the task id of poll n of a job.
func PollTaskID(jobID string, n int) string { return "poll:" + jobID + ":" + strconv.Itoa(n) }

// pollID is the task id of p: PollTaskID, or for a shared job one that
// also names the task.
func (p PollPayload) pollID() string {
	if p.Shared {
		return "poll:" + p.JobID + ":" + p.TaskID + ":" + strconv.Itoa(p.N)
	}
	return PollTaskID(p.JobID, p.N)
}

// eventSuffix distinguishes the events of a shared job's second follower.
func (p PollPayload) eventSuffix() string {
	if p.Shared {
		return ":" + p.TaskID
	}
	return ""
}

func (h *Handlers) followerKey(jobID string) string { return "{" + h.ns + "}:worker:job:" + jobID }

// claim records p's task as the follower of its job, or marks p Shared
// when another task already follows it.
func (h *Handlers) claim(ctx context.Context, p PollPayload) (PollPayload, error) {
	key := h.followerKey(p.JobID)
	ok, err := h.rdb.SetNX(ctx, key, p.TaskID, startTTL).Result()
	if err != nil {
		return p, fmt.Errorf("claim job: %w", err)
	}
	if !ok {
		owner, err := h.rdb.Get(ctx, key).Result()
		if err != nil {
			return p, fmt.Errorf("claim job: %w", err)
		}
		p.Shared = owner != p.TaskID
	}
	if p.Shared {
		zerolog.Ctx(ctx).Info().Str("followed_job_id", p.JobID).Msg("job already followed by another task; following it too")
	}
	return p, nil
}
