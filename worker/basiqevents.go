package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// RejectUnknownBasiqEvent: a Basiq webhook of a type the worker does not
// act on; it is logged, counted and acknowledged.
const RejectUnknownBasiqEvent = "unknown-basiq-event"

// webhookFollowGrace is how long the follow of a connection.created
// webhook waits before it looks whether the job is followed: the app's
// own follow (from the Consent UI's redirect) normally comes first, and
// then the job has that one follower and one result.
const webhookFollowGrace = 3 * time.Second

// webhookFollowKey prefixes the idempotency key of the follow a
// connection.created webhook starts: "basiq-event:<event id>".
const webhookFollowKey = "basiq-event:"

// isWebhookFollow reports whether taskID is the follow of a webhook. Such
// a follow follows only a job no other task follows, and its result is
// left out when an application's task waits on its job (that task gets
// the result): one result per job, whoever came first.
func isWebhookFollow(taskID string) bool {
	return strings.HasPrefix(taskID, wire.TaskID(tasks.TypeFollowJobs, webhookFollowKey))
}

// BasiqEvent handles basiqhooks.TypeEvent: one of Basiq's events, received
// by the webhook endpoint, turned into work.
func (h *handlers) BasiqEvent(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[basiqhooks.Payload](t)
	if err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("invalid basiq event, archived")
		return err
	}
	ev, err := sdk.DecodeEvent(p.Body)
	if err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Str("webhook_id", p.WebhookID).Msg("undecodable basiq event, archived")
		return fmt.Errorf("basiq event %s: %w: %w", p.WebhookID, err, asynq.SkipRetry)
	}
	log := zerolog.Ctx(ctx).With().Str("event_id", ev.ID).Str("event_type", string(ev.Type)).Str("user_id", ev.UserID).Logger()
	ctx = log.WithContext(ctx)
	b := tasks.BasiqEvent{EventID: ev.ID, Type: string(ev.Type), UserID: ev.UserID, ConnectionID: ev.ConnectionID(),
		ConsentID: ev.ConsentID(), OccurredAt: cmpTime(ev.Created, p.ReceivedAt)}
	switch ev.Type {
	case sdk.EventConnectionCreated:
		return h.followCreated(ctx, ev, b)
	case sdk.EventTransactionsUpdated, sdk.EventAccountUpdated, sdk.EventConnectionInvalidated,
		sdk.EventConnectionActivated, sdk.EventConnectionDeleted:
		return h.relay(ctx, results.NewBasiqEvent(tasks.EventBasiq, b))
	case sdk.EventConsentRevoked, sdk.EventConsentExpired:
		return h.consentEnded(ctx, ev, b)
	case sdk.EventConsentCreated, sdk.EventConsentUpdated:
		return h.consentRenewed(ctx, ev, b)
	}
	log.Warn().Bool("known", ev.Type.Known()).Msg("basiq event not acted on, acknowledged")
	h.obs.TaskRejected(RejectUnknownBasiqEvent)
	return nil
}

func cmpTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

func (h *handlers) relay(ctx context.Context, e tasks.Event) error {
	published, err := h.pub.Publish(ctx, e)
	if err != nil {
		return h.retry(ctx, attemptOf(ctx), err)
	}
	zerolog.Ctx(ctx).Info().Str("type", e.Type).Bool("duplicate", !published).Msg("basiq event relayed")
	return nil
}

// followCreated finds the job of a new connection (GET /users/{id}/jobs,
// newest first) and enqueues its follow, unless the job is followed.
func (h *handlers) followCreated(ctx context.Context, ev *sdk.Event, b tasks.BasiqEvent) error {
	a := attemptOf(ctx)
	if b.UserID == "" || b.ConnectionID == "" {
		zerolog.Ctx(ctx).Warn().Msg("connection.created names no user or connection, acknowledged")
		return nil
	}
	jobs, err := h.basiq.ConnectionJobs(ctx, b.UserID, b.ConnectionID)
	if err != nil {
		return h.retry(ctx, a, err)
	}
	if len(jobs) == 0 {
		zerolog.Ctx(ctx).Warn().Str("connection_id", b.ConnectionID).Msg("connection.created: the connection has no job, acknowledged")
		return nil
	}
	job := jobs[0] // newest first
	key := webhookFollowKey + ev.ID
	pl, _ := json.Marshal(wire.FollowJobsPayload{V: wire.PayloadVersion, UserID: b.UserID, JobIDs: []string{job.ID},
		IdempotencyKey: key, EnqueuedAt: h.now().UTC()})
	_, err = h.enq.EnqueueContext(ctx, asynq.NewTask(tasks.TypeFollowJobs, pl), asynq.TaskID(wire.TaskID(tasks.TypeFollowJobs, key)),
		asynq.Queue(a.queue), asynq.Retention(h.retention), asynq.ProcessIn(webhookFollowGrace))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return h.retry(ctx, a, err)
	}
	zerolog.Ctx(ctx).Info().Str("job_id", job.ID).Dur("in", webhookFollowGrace).Msg("connection.created: following its job unless followed")
	return nil
}

// followed reports whether a task follows (or followed) jobID.
func (h *handlers) followed(ctx context.Context, jobID string) (bool, error) {
	n, err := h.rdb.Exists(ctx, h.followKey(jobID)).Result()
	return n > 0, err
}
