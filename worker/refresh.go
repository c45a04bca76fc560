package worker

import (
	"context"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// scheduleRefresh schedules p, the refresh of its connection that decide
// chose after an institution-side failure (actRefresh).
func (h *handlers) scheduleRefresh(ctx context.Context, p pollPayload, a attempt, act action) error {
	if err := h.schedulePoll(ctx, p, a.queue, act.due); err != nil {
		return h.retry(ctx, a, err)
	}
	h.obs.RetryWait("maintenance", act.delay)
	zerolog.Ctx(ctx).Warn().Str("reason", "maintenance").Str("code", string(act.err.Code)).
		Str("failed_step", act.err.Step).Int("refresh_attempt", p.Retries+1).Dur("delay", act.delay).Msg("retry scheduled")
	return nil
}

// refreshAfterFailure refreshes the connection of a job that failed for an
// institution-side reason, then follows the new job. A second run is
// harmless: Basiq answers a refresh with the running job while there is one.
func (h *handlers) refreshAfterFailure(ctx context.Context, t *asynq.Task, p pollPayload, a attempt) error {
	job, err := h.basiq.RefreshConnection(ctx, p.UserID, p.ConnectionID)
	if err != nil {
		return h.callFailed(ctx, t, p, a, err)
	}
	p.Retries++
	zerolog.Ctx(ctx).Info().Str("new_job_id", job.ID).Int("refresh_attempt", p.Retries).
		Msg("connection refreshed")
	p.Prev = append(p.Prev, p.JobID)
	np, due, att, err := h.firstPoll(ctx, p, job)
	view := startView{Jobs: []string{job.ID}}
	switch {
	case err != nil:
	case att.role == roleOwner:
		err, view.FirstPoll = h.schedulePoll(ctx, np, a.queue, due), due
	default: // Basiq answered with a job another task follows: this chain ends here
		err = h.joined(ctx, t, np, att)
		view.Waiting = []string{att.jobID}
	}
	if err != nil {
		return h.retry(ctx, a, err)
	}
	return writeResult(t, view)
}
