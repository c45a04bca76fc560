package tasks

import (
	"context"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
)

// FollowJobs asks the worker to follow a user's Basiq jobs to their end,
// one result per job, each carrying the task id (as a refresh-all does).
// A job already followed (by another follow, a refresh or the webhook) is
// not followed twice: this task waits on its one follower.
type FollowJobs struct {
	UserID string
	JobIDs []string
}

// Validate checks the required fields and their bounds: a user id, one to
// 64 job ids, none empty, none twice.
func (r FollowJobs) Validate() error {
	return wire.FirstErr(wire.ValidateID("UserID", r.UserID), wire.CheckJobIDs("JobIDs", r.JobIDs))
}

// FollowJobs enqueues TypeFollowJobs and returns the task id. Pass an
// IdempotencyKey (for example the Consent UI's state) so that a callback
// page loaded twice follows once.
func (c *Client) FollowJobs(ctx context.Context, r FollowJobs, opts ...Enqueue) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("enqueue %s: %w", TypeFollowJobs, err)
	}
	cfg := c.config(opts)
	p := wire.FollowJobsPayload{V: wire.PayloadVersion, UserID: r.UserID, JobIDs: r.JobIDs, IdempotencyKey: cfg.key,
		Deadline: cfg.deadline, EnqueuedAt: time.Now().UTC()}
	return c.enqueue(ctx, TypeFollowJobs, p, cfg)
}
