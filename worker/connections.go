package worker

import (
	"context"
	"github.com/basiq-worker/basiq-worker/internal/sealing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/hibiken/asynq"
)

// CreateConnection handles tasks.TypeCreateConnection: open the sealed
// credentials, POST /users/{id}/connections once, schedule the first poll.
func (h *handlers) CreateConnection(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[wire.CreateConnectionPayload](t)
	w := work{UserID: p.UserID, InstitutionID: p.InstitutionID, IdempotencyKey: p.IdempotencyKey}
	if err != nil {
		return h.rejectPayload(ctx, t, w, err)
	}
	base := h.base(ctx, t, w, p.Deadline, p.EnqueuedAt)
	if h.apiVersion == apiConsent {
		return h.refuseCredentials(ctx, t, base)
	}
	creds, err := h.keyring.OpenCredentials(p.Credentials, p.UserID)
	if err != nil {
		return h.rejectPayload(ctx, t, base.work, err)
	}
	return h.run(ctx, t, start{base: base, call: func(ctx context.Context) ([]*sdk.Job, error) {
		job, err := h.basiq.CreateConnection(ctx, p.UserID, sdkCredentials(p.InstitutionID, creds))
		return jobs(job, err)
	}, lookup: func(ctx context.Context, sentAt time.Time) ([]string, error) {
		return h.findCreate(ctx, base.TaskID, p.UserID, p.InstitutionID, sentAt)
	}})
}

// UpdateConnection handles tasks.TypeUpdateConnection: new credentials for
// a connection, then follow the job that verifies them.
func (h *handlers) UpdateConnection(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[wire.UpdateConnectionPayload](t)
	w := work{UserID: p.UserID, InstitutionID: p.InstitutionID, ConnectionID: p.ConnectionID, IdempotencyKey: p.IdempotencyKey}
	if err != nil {
		return h.rejectPayload(ctx, t, w, err)
	}
	base := h.base(ctx, t, w, p.Deadline, p.EnqueuedAt)
	if h.apiVersion == apiConsent {
		return h.refuseCredentials(ctx, t, base)
	}
	creds, err := h.keyring.OpenCredentials(p.Credentials, p.UserID)
	if err != nil {
		return h.rejectPayload(ctx, t, base.work, err)
	}
	return h.run(ctx, t, start{base: base, resend: true, call: func(ctx context.Context) ([]*sdk.Job, error) {
		job, err := h.basiq.UpdateConnection(ctx, p.UserID, p.ConnectionID, sdkCredentials(p.InstitutionID, creds))
		return jobs(job, err)
	}})
}

// RefreshConnection handles tasks.TypeRefreshConnection (not sent when
// the user's consent ended, nor, when scheduled, over the connection's
// budget or interval: refreshOne).
func (h *handlers) RefreshConnection(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[wire.RefreshConnectionPayload](t)
	w := work{UserID: p.UserID, ConnectionID: p.ConnectionID, IdempotencyKey: p.IdempotencyKey}
	if err != nil {
		return h.rejectPayload(ctx, t, w, err)
	}
	base := h.base(ctx, t, w, p.Deadline, p.EnqueuedAt)
	return h.run(ctx, t, start{base: base, resend: true, call: func(ctx context.Context) ([]*sdk.Job, error) {
		return jobs(h.refreshOne(ctx, p.UserID, p.ConnectionID, base.TaskID, p.Scheduled))
	}})
}

// RefreshAll handles tasks.TypeRefreshAll: one refresh call, then one
// followed job (one poll chain, one result) per connection. Every result
// carries this task's id; Subscriber.Wait returns the first, the stream
// holds them all.
func (h *handlers) RefreshAll(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[wire.RefreshAllPayload](t)
	w := work{UserID: p.UserID, IdempotencyKey: p.IdempotencyKey}
	if err != nil {
		return h.rejectPayload(ctx, t, w, err)
	}
	base := h.base(ctx, t, w, p.Deadline, p.EnqueuedAt)
	return h.run(ctx, t, start{base: base, resend: true, call: func(ctx context.Context) ([]*sdk.Job, error) {
		return h.refreshAll(ctx, base, p.Scheduled)
	}})
}

// base completes the identity of the work a task starts and gives it its
// deadline: the payload of its polls before they follow a job.
func (h *handlers) base(ctx context.Context, t *asynq.Task, w work, deadline, enqueuedAt time.Time) pollPayload {
	w.TaskID, w.Kind = attemptOf(ctx).taskID, t.Type()
	return pollPayload{V: wire.PayloadVersion, work: w, chain: chain{Deadline: h.jobDeadline(deadline, enqueuedAt)}}
}

func sdkCredentials(institution string, c sealing.Credentials) sdk.Credentials {
	return sdk.Credentials{Institution: institution, LoginID: c.LoginID, Password: c.Password,
		SecurityCode: c.SecurityCode, SecondaryLoginID: c.SecondaryLoginID}
}

func jobs(j *sdk.Job, err error) ([]*sdk.Job, error) {
	if err != nil {
		return nil, err
	}
	return []*sdk.Job{j}, nil
}
