package sdk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

func TestJobs_WaitForCredentials(t *testing.T) {
	tests := []struct {
		name, login, password string
		wantCode              sdk.ErrorCode
	}{
		{"success", "gavinBelson", "hooli2016", ""},
		{"wrong password", "gavinBelson", "nope", "invalid-credentials"},
		{"locked", "bighead", "password", "invalid-credentials"},
		{"user action", "erlich", "aviato", "account-not-accessible-requires-user-action"},
		{"unavailable", "jianYang", "nothotdog", "service-unavailable"},
	}
	_, c := newFake(t)
	u := newUser(t, c)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job, err := u.CreateConnection(ctxT(t), sdk.Credentials{Institution: "AU00000", LoginID: tt.login, Password: tt.password})
			if err != nil {
				t.Fatal(err)
			}
			conn, err := c.Jobs.For(job.ID).WaitForCredentials(ctxT(t), fastWait)
			if tt.wantCode == "" {
				if err != nil || conn.ID == "" {
					t.Fatalf("got %v, %v; want a connection", conn, err)
				}
				return
			}
			var se *sdk.StepError
			if !errors.As(err, &se) || se.Code != tt.wantCode || se.Step != sdk.StepVerifyCredentials || se.JobID != job.ID {
				t.Fatalf("got %v, want a StepError %s at %s", err, tt.wantCode, sdk.StepVerifyCredentials)
			}
		})
	}
}

func TestJobs_WaitForTransactions_timeout(t *testing.T) {
	_, c := newFake(t, basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: 10 * time.Second}))
	job, err := newUser(t, c).CreateConnection(ctxT(t), gavin)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Jobs.WaitForTransactions(ctxT(t), job.ID, sdk.WaitOptions{Interval: 20 * time.Millisecond, Timeout: 200 * time.Millisecond})
	var te *sdk.TimeoutError
	if !errors.As(err, &te) || te.JobID != job.ID || te.Step != sdk.StepVerifyCredentials {
		t.Fatalf("got %v, want a TimeoutError at %s", err, sdk.StepVerifyCredentials)
	}
	if el := time.Since(start); el < 200*time.Millisecond || el > 10*time.Second {
		t.Fatalf("got a timeout after %v, want about 200ms", el)
	}
}

func TestJobs_Wait_ctxCancelled(t *testing.T) {
	_, c := newFake(t, basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: 10 * time.Second}))
	job, err := newUser(t, c).CreateConnection(ctxT(t), gavin)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Jobs.WaitForCredentials(ctx, job.ID, fastWait)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's deadline", err)
	}
}

func TestJobs_SubmitMFA(t *testing.T) {
	tests := []struct {
		institution, answer, wantMethod string
	}{
		{"AU00001", "1234", "token"},
		{"AU00002", "Hooli", "security-questions"},
	}
	_, c := newFake(t)
	u := newUser(t, c)
	for _, tt := range tests {
		t.Run(tt.institution, func(t *testing.T) {
			ctx := ctxT(t)
			job, err := u.CreateConnection(ctx, sdk.Credentials{Institution: tt.institution, LoginID: "gavinBelson", Password: "hooli2016"})
			if err != nil {
				t.Fatal(err)
			}
			step := waitForMFA(t, c, job.ID)
			if step.Result == nil || step.Result.Method != tt.wantMethod || step.Result.Links["response"] == "" {
				t.Fatalf("got challenge %+v, want method %s and a response link", step.Result, tt.wantMethod)
			}
			if _, err := c.Jobs.SubmitMFA(ctx, job.ID, tt.answer); err != nil {
				t.Fatal(err)
			}
			conn, err := c.Jobs.WaitForTransactions(ctx, job.ID, fastWait)
			if err != nil || conn.Status != sdk.ConnectionActive {
				t.Fatalf("got %+v, %v; want an active connection", conn, err)
			}
		})
	}
}

func TestJobs_SubmitMFA_wrongAnswer(t *testing.T) {
	_, c := newFake(t)
	job, err := newUser(t, c).CreateConnection(ctxT(t), sdk.Credentials{Institution: "AU00001", LoginID: "gavinBelson", Password: "hooli2016"})
	if err != nil {
		t.Fatal(err)
	}
	waitForMFA(t, c, job.ID)
	if _, err := c.Jobs.For(job.ID).SubmitMFA(ctxT(t), "0000"); err != nil {
		var apiErr *sdk.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
			t.Fatalf("got %v, want a 400 or a failed step", err)
		}
		return
	}
	_, err = c.Jobs.WaitForTransactions(ctxT(t), job.ID, fastWait)
	var se *sdk.StepError
	if !errors.As(err, &se) || se.Step != sdk.StepMFAChallenge {
		t.Fatalf("got %v, want a StepError at %s", err, sdk.StepMFAChallenge)
	}
}

// waitForMFA polls the job until its mfa-challenge step is in progress.
func waitForMFA(t *testing.T, c *sdk.Client, jobID string) *sdk.Step {
	t.Helper()
	for range 500 {
		j, err := c.Jobs.Get(ctxT(t), jobID)
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := j.Step(sdk.StepMFAChallenge); ok && s.Status == sdk.StatusInProgress {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("mfa-challenge never started")
	return nil
}

func TestJobs_Connection(t *testing.T) {
	_, c := newFake(t)
	u := newUser(t, c)
	job, err := u.CreateConnection(ctxT(t), gavin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Jobs.Connection(ctxT(t), job); job.ConnectionID() == "" && !errors.Is(err, sdk.ErrNoConnection) {
		t.Fatalf("got %v for a job stub, want ErrNoConnection", err)
	}
	if _, err := c.Jobs.WaitForCredentials(ctxT(t), job.ID, fastWait); err != nil {
		t.Fatal(err)
	}
	conn, err := c.Jobs.For(job.ID).Connection(ctxT(t))
	if err != nil || conn.ID == "" {
		t.Fatalf("got %+v, %v; want the connection", conn, err)
	}
	j, _ := c.Jobs.Get(ctxT(t), job.ID)
	if j.UserID() != u.ID() || j.ConnectionID() != conn.ID {
		t.Fatalf("got user %q conn %q, want %q %q", j.UserID(), j.ConnectionID(), u.ID(), conn.ID)
	}
}
