package main

import (
	"context"
	"fmt"
	"github.com/basiq-worker/basiq-worker/internal/sealing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/hibiken/asynq"
)

// blockingHandler is the baseline: the Node SDK's waitForCredentials pattern. It creates the
// connection, then GETs the job every interval, sleeping inside the handler (holding the
// worker slot) until the job ends, and publishes the result as the worker does. It calls
// Basiq through the worker's own adapter, so both modes make the same calls.
type blockingHandler struct {
	basiq    worker.Basiq
	keyring  *tasks.Keyring
	pub      *results.Publisher
	interval time.Duration
}

// ProcessTask handles tasks.TypeCreateConnection.
func (h *blockingHandler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[wire.CreateConnectionPayload](t)
	if err != nil {
		return err
	}
	creds, err := (*sealing.Keyring)(h.keyring).OpenCredentials(p.Credentials, p.UserID)
	if err != nil {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	taskID, _ := asynq.GetTaskID(ctx)
	r := tasks.Result{TaskID: taskID, IdempotencyKey: p.IdempotencyKey, UserID: p.UserID, InstitutionID: p.InstitutionID,
		Kind: t.Type(), StartedAt: time.Now(), Steps: []tasks.StepObservation{}, Accounts: []string{}}
	job, err := h.basiq.CreateConnection(ctx, p.UserID, sdk.Credentials{Institution: p.InstitutionID, LoginID: creds.LoginID, Password: creds.Password})
	if err != nil {
		return err
	}
	r.JobID, r.ConnectionID = job.ID, job.ConnectionID()
	if job, err = h.wait(ctx, job.ID, &r); err != nil {
		return err
	}
	r.Outcome = tasks.OutcomeCompleted
	if _, failed := job.FailedStep(); failed {
		r.Outcome = tasks.OutcomeFailed
	} else if r.Accounts, err = h.basiq.AccountIDs(ctx, p.UserID, r.ConnectionID); err != nil {
		return err
	}
	r.FinishedAt = time.Now()
	_, err = h.pub.Publish(ctx, results.NewResultEvent(r))
	return err
}

// wait GETs the job every interval until it is done, recording step changes in r.
func (h *blockingHandler) wait(ctx context.Context, jobID string, r *tasks.Result) (*sdk.Job, error) {
	seen := map[string]string{}
	for {
		job, err := h.basiq.Job(ctx, jobID)
		if err != nil {
			return nil, err
		}
		r.Polls++
		now := time.Now()
		for _, s := range job.Steps {
			if seen[s.Title] != s.Status && s.Status != sdk.StatusPending {
				seen[s.Title] = s.Status
				r.Steps = append(r.Steps, tasks.StepObservation{Title: s.Title, Status: s.Status, ObservedAt: now})
			}
		}
		if job.Done() {
			return job, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(h.interval):
		}
	}
}
