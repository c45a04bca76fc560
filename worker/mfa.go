package worker

import (
	"context"

	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// announceMFA publishes the mfa_required event of the challenge decide
// found (actWaitMFA): once for the task of the chain (act.owner is false
// once the chain published it; the event id's dedupe key stops a re-run
// poll), and once for each task waiting on the job: those are read at every
// poll while the challenge is open, so a task attaching during it hears of
// it too (event id mfa:<jobID>:<taskID>).
func (h *handlers) announceMFA(ctx context.Context, p pollPayload, act action) error {
	c := act.challenge
	m := tasks.MFARequired{TaskID: p.TaskID, UserID: p.UserID, ConnectionID: p.ConnectionID, JobID: p.JobID,
		Method: c.Method, Description: c.Description, Input: c.Input}
	if c.ExpiryMs > 0 {
		m.ExpiresAt = h.now().Add(time.Duration(c.ExpiryMs) * time.Millisecond)
	}
	if act.owner {
		if err := h.sendMFA(ctx, m, p.eventSuffix(), true); err != nil {
			return err
		}
	}
	if p.Shared {
		return nil
	}
	ws, err := h.waiters(ctx, p)
	if err != nil {
		return err
	}
	for _, w := range ws {
		m.TaskID = w.TaskID
		if err := h.sendMFA(ctx, m, ":"+w.TaskID, false); err != nil {
			return err
		}
	}
	return nil
}

// sendMFA publishes m once (event id mfa:<jobID> and idSuffix) and logs it
// when published, or always when logDuplicate.
func (h *handlers) sendMFA(ctx context.Context, m tasks.MFARequired, idSuffix string, logDuplicate bool) error {
	ev := results.NewMFAEvent(m)
	ev.ID += idSuffix
	published, err := h.pub.Publish(ctx, ev)
	if err != nil {
		return err
	}
	if published || logDuplicate {
		zerolog.Ctx(ctx).Info().Str("method", m.Method).Time("expires_at", m.ExpiresAt).Str("mfa_task_id", m.TaskID).
			Bool("duplicate", !published).Msg("mfa required published")
	}
	return nil
}

func (h *handlers) mfaKey(taskID string) string { return keys.MFA(h.ns, taskID) }

// AnswerMFA handles tasks.TypeAnswerMFA: open the sealed answers and send
// them to Basiq. The job's poll chain sees the challenge end and publishes
// the job's result; an unanswered challenge ends as Basiq ends it.
func (h *handlers) AnswerMFA(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[wire.AnswerMFAPayload](t)
	if err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("invalid payload, archived")
		return err
	}
	answers, err := h.keyring.OpenMFAAnswers(p.Answers, p.UserID, p.JobID)
	if err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("mfa answers cannot be opened, archived")
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	a := attemptOf(ctx)
	key := h.mfaKey(a.taskID)
	if n, err := h.rdb.Exists(ctx, key).Result(); err != nil {
		return h.retry(ctx, a, err)
	} else if n > 0 {
		return nil // answered by an earlier run
	}
	if err := h.basiq.SubmitMFA(ctx, p.UserID, p.JobID, answers...); err != nil {
		if final(err, a) {
			zerolog.Ctx(ctx).Error().Err(err).Msg("mfa answer refused, archived")
			return fmt.Errorf("mfa answer: %w: %w", err, asynq.SkipRetry)
		}
		return h.retry(ctx, a, err)
	}
	if err := h.rdb.Set(context.WithoutCancel(ctx), key, "1", startTTL).Err(); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("mfa answer sent but not recorded")
	}
	zerolog.Ctx(ctx).Info().Int("answers", len(answers)).Msg("mfa answered")
	return nil
}
