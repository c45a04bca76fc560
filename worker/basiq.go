package worker

import (
	"context"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// Basiq is the part of the Basiq API the worker uses. NewBasiq adapts an
// *sdk.Client; tests may pass a fake.
type Basiq interface {
	// CreateConnection starts a connection job (POST /users/{id}/connections).
	CreateConnection(ctx context.Context, userID string, cr sdk.Credentials) (*sdk.Job, error)
	// UpdateConnection replaces a connection's credentials and starts a job.
	UpdateConnection(ctx context.Context, userID, connID string, cr sdk.Credentials) (*sdk.Job, error)
	// RefreshConnection starts (or returns the running) job of a connection.
	RefreshConnection(ctx context.Context, userID, connID string) (*sdk.Job, error)
	// RefreshAll refreshes every connection of a user.
	RefreshAll(ctx context.Context, userID string) ([]*sdk.Job, error)
	// Job reads a job (GET /jobs/{id}).
	Job(ctx context.Context, jobID string) (*sdk.Job, error)
	// SubmitMFA answers the MFA challenge of one of userID's jobs (under
	// API 3.0 with the user's CLIENT_ACCESS token, as Basiq asks).
	SubmitMFA(ctx context.Context, userID, jobID string, answers ...string) error
	// AccountIDs lists the ids of a connection's accounts.
	AccountIDs(ctx context.Context, userID, connID string) ([]string, error)
	// Connections lists a user's connections (GET /users/{id}/connections).
	Connections(ctx context.Context, userID string) ([]*sdk.Connection, error)
	// ConnectionJobs lists the jobs of one of a user's connections
	// (GET /users/{id}/jobs?filter=connection.id.eq(...)).
	ConnectionJobs(ctx context.Context, userID, connID string) ([]*sdk.Job, error)
	// Consents lists a user's consents (GET /users/{id}/consents, API 3.0).
	Consents(ctx context.Context, userID string) ([]*sdk.Consent, error)
	// DeleteConnection deletes one of a user's connections
	// (DELETE /users/{id}/connections/{cid}).
	DeleteConnection(ctx context.Context, userID, connID string) error
	// StepDurations returns an institution's average step durations by step
	// title (sdk.StepVerifyCredentials, ...).
	StepDurations(ctx context.Context, institutionID string) (map[string]time.Duration, error)
}

// NewBasiq adapts c to Basiq. Build c with sdk.WithRetryPolicy(
// sdk.RetryPolicy{MaxAttempts: 1}): the worker retries through asynq and
// never sleeps inside a handler.
func NewBasiq(c *sdk.Client) Basiq { return sdkBasiq{c} }

type sdkBasiq struct{ c *sdk.Client }

func (b sdkBasiq) CreateConnection(ctx context.Context, userID string, cr sdk.Credentials) (*sdk.Job, error) {
	return b.c.Connections.Create(ctx, userID, cr)
}

func (b sdkBasiq) UpdateConnection(ctx context.Context, userID, connID string, cr sdk.Credentials) (*sdk.Job, error) {
	return b.c.Connections.Update(ctx, userID, connID, cr)
}

func (b sdkBasiq) RefreshConnection(ctx context.Context, userID, connID string) (*sdk.Job, error) {
	return b.c.Connections.Refresh(ctx, userID, connID)
}

func (b sdkBasiq) RefreshAll(ctx context.Context, userID string) ([]*sdk.Job, error) {
	return b.c.Connections.RefreshAll(ctx, userID)
}

func (b sdkBasiq) Job(ctx context.Context, jobID string) (*sdk.Job, error) {
	return b.c.Jobs.Get(ctx, jobID)
}

func (b sdkBasiq) SubmitMFA(ctx context.Context, userID, jobID string, answers ...string) error {
	if b.c.APIVersion() == apiConsent && userID != "" {
		_, err := b.c.Users.For(userID).SubmitMFA(ctx, jobID, answers...)
		return err
	}
	_, err := b.c.Jobs.SubmitMFA(ctx, jobID, answers...)
	return err
}

func (b sdkBasiq) AccountIDs(ctx context.Context, userID, connID string) ([]string, error) {
	// The ids alone: decoding whole accounts for them was 5 % of the worker's CPU.
	return b.c.Users.For(userID).AccountIDs(ctx, sdk.Filter().Eq("connection.id", connID))
}

func (b sdkBasiq) Connections(ctx context.Context, userID string) ([]*sdk.Connection, error) {
	return b.c.Connections.List(ctx, userID, nil)
}

func (b sdkBasiq) ConnectionJobs(ctx context.Context, userID, connID string) ([]*sdk.Job, error) {
	return b.c.Jobs.List(ctx, userID, sdk.Filter().Eq("connection.id", connID))
}

func (b sdkBasiq) Consents(ctx context.Context, userID string) ([]*sdk.Consent, error) {
	return b.c.Users.For(userID).Consents(ctx)
}

func (b sdkBasiq) DeleteConnection(ctx context.Context, userID, connID string) error {
	return b.c.Connections.Delete(ctx, userID, connID)
}

func (b sdkBasiq) StepDurations(ctx context.Context, institutionID string) (map[string]time.Duration, error) {
	if b.c.APIVersion() == apiConsent {
		return b.connectorDurations(ctx, institutionID)
	}
	inst, err := b.c.Institutions.Get(ctx, institutionID)
	if err != nil {
		return nil, err
	}
	return stepDurations(inst.Stats.AverageDurationMs), nil
}

func stepDurations(d sdk.StepDurations) map[string]time.Duration {
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	return map[string]time.Duration{
		sdk.StepVerifyCredentials:    ms(d.VerifyCredentials),
		sdk.StepRetrieveAccounts:     ms(d.RetrieveAccounts),
		sdk.StepRetrieveTransactions: ms(d.RetrieveTransactions),
	}
}
