package tasks

import (
	"context"
	"fmt"
	"time"
)

// TypeFollowJobs follows Basiq jobs that the worker did not start: the
// jobs the Consent UI hands back (API 3.0), or the job of a connection
// Basiq's connection.created webhook announced (payload [FollowJobsPayload]).
const TypeFollowJobs = "jobs:follow"

// MaxFollowJobs bounds the job ids of one follow: a Consent UI journey
// hands back one per connection made.
const MaxFollowJobs = 64

// FollowJobs asks the worker to follow a user's Basiq jobs to their end,
// one result per job, each carrying the task id (as a refresh-all does).
// A job already followed (by another follow, a refresh or the webhook) is
// not followed twice: this task waits on its one follower.
type FollowJobs struct {
	UserID string
	JobIDs []string
}

// FollowJobsPayload is the payload of TypeFollowJobs.
type FollowJobsPayload struct {
	V              int       `json:"v"`
	UserID         string    `json:"userId"`
	JobIDs         []string  `json:"jobIds"`
	IdempotencyKey string    `json:"idempotencyKey,omitempty"`
	Deadline       time.Time `json:"deadline,omitzero"`
	EnqueuedAt     time.Time `json:"enqueuedAt"`
}

// Validate checks the required fields and their bounds: a user id, one to
// MaxFollowJobs job ids, none empty, none twice.
func (r FollowJobs) Validate() error {
	return firstErr(requiredID("UserID", r.UserID), checkJobIDs("JobIDs", r.JobIDs))
}

// Validate checks the version, the required fields and the bounds of every id.
func (p FollowJobsPayload) Validate() error {
	return firstErr(checkVersion(p.V), requiredID("userId", p.UserID), checkJobIDs("jobIds", p.JobIDs),
		checkIdempotencyKey("idempotencyKey", p.IdempotencyKey))
}

func checkJobIDs(field string, ids []string) error {
	if len(ids) == 0 {
		return fmt.Errorf("field %s: at least one job id is required", field)
	}
	if len(ids) > MaxFollowJobs {
		return fmt.Errorf("field %s: %d job ids, at most %d", field, len(ids), MaxFollowJobs)
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if err := requiredID(fmt.Sprintf("%s[%d]", field, i), id); err != nil {
			return err
		}
		if seen[id] {
			return fmt.Errorf("field %s[%d]: job id %s given twice", field, i, quoted(id))
		}
		seen[id] = true
	}
	return nil
}

// FollowJobs enqueues TypeFollowJobs and returns the task id. Pass an
// IdempotencyKey (for example the Consent UI's state) so that a callback
// page loaded twice follows once.
func (c *Client) FollowJobs(ctx context.Context, r FollowJobs, opts ...EnqueueOption) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("enqueue %s: %w", TypeFollowJobs, err)
	}
	cfg := c.config(opts)
	p := FollowJobsPayload{V: PayloadVersion, UserID: r.UserID, JobIDs: r.JobIDs, IdempotencyKey: cfg.key,
		Deadline: cfg.deadline, EnqueuedAt: time.Now().UTC()}
	return c.enqueue(ctx, TypeFollowJobs, p, cfg)
}
