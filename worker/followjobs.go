package worker

import (
	"context"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// FollowJobs handles tasks.TypeFollowJobs: Basiq jobs the worker did not
// start (the Consent UI's, or a connection.created webhook's) are followed
// as a started job is. No call reaches Basiq to start them; each job
// attaches to its one follower (follow.go), so a job followed already is
// not polled twice, and the task gets one result per job.
func (h *handlers) FollowJobs(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[wire.FollowJobsPayload](t)
	w := work{UserID: p.UserID, IdempotencyKey: p.IdempotencyKey}
	if err != nil {
		return h.rejectPayload(ctx, t, w, err)
	}
	base := h.base(ctx, t, w, p.Deadline, p.EnqueuedAt)
	if isWebhookFollow(base.TaskID) {
		if p.JobIDs, err = h.unfollowed(ctx, p.JobIDs); err != nil {
			return h.retry(ctx, attemptOf(ctx), err)
		}
		if len(p.JobIDs) == 0 {
			zerolog.Ctx(ctx).Info().Msg("webhook follow: every job is followed by another task")
			return nil
		}
	}
	return h.run(ctx, t, start{base: base, resend: true, call: func(context.Context) ([]*sdk.Job, error) {
		js := make([]*sdk.Job, len(p.JobIDs))
		for i, id := range p.JobIDs {
			js[i] = &sdk.Job{ID: id}
		}
		return js, nil
	}})
}

// unfollowed are the jobs of ids no task follows.
func (h *handlers) unfollowed(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		followed, err := h.followed(ctx, id)
		if err != nil {
			return nil, err
		}
		if !followed {
			out = append(out, id)
		}
	}
	return out, nil
}
