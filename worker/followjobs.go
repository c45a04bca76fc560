package worker

import (
	"context"
	"fmt"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
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
	webhook := isWebhookFollow(base.TaskID)
	return h.run(ctx, t, start{base: base, resend: true, call: func(ctx context.Context) ([]*sdk.Job, error) {
		if webhook { // found among the user's own jobs (GET /users/{id}/jobs)
			js := make([]*sdk.Job, len(p.JobIDs))
			for i, id := range p.JobIDs {
				js[i] = &sdk.Job{ID: id}
			}
			return js, nil
		}
		return h.jobsOfUser(ctx, p.UserID, p.JobIDs)
	}})
}

// jobsOfUser reads each job (GET /jobs/{id}) and refuses the follow when
// one belongs to another user than userID (its links name the user): a
// follow must not hand one user's job, or its result, to another. A job
// whose links do not name its user yet (Basiq may leave them out early)
// is let through. One call per job, once per task (the start record keeps
// the answer); an unknown job fails the task as a 404 would.
func (h *handlers) jobsOfUser(ctx context.Context, userID string, ids []string) ([]*sdk.Job, error) {
	js := make([]*sdk.Job, 0, len(ids))
	for _, id := range ids {
		j, err := h.basiq.Job(ctx, id)
		if err != nil {
			return nil, err
		}
		if owner := j.UserID(); owner != "" && owner != userID {
			zerolog.Ctx(ctx).Warn().Str("job_id", id).Str("job_user_id", owner).Msg("follow refused: the job is another user's")
			return nil, &refusal{outcome: tasks.OutcomeFailed, info: &tasks.ErrorInfo{Code: tasks.CodeJobNotOfUser,
				Title: "The job belongs to another user", Detail: fmt.Sprintf("job %s is not a job of user %s "+
					"(Basiq's links name another user); nothing is followed. Follow each job with the user the Consent UI "+
					"handed it back for.", id, userID)}}
		}
		js = append(js, &sdk.Job{ID: id})
	}
	return js, nil
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
