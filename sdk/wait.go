package sdk

import (
	"context"
	"fmt"
	"time"
)

// WaitOptions tune the waits. Zero fields take defaults: Interval 1s,
// MaxInterval 5s, Timeout 2 minutes. Polls start at Interval and back off
// by half each time up to MaxInterval.
type WaitOptions struct {
	Interval, MaxInterval, Timeout time.Duration
}

func (o WaitOptions) withDefaults() WaitOptions {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = max(5*time.Second, o.Interval)
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	return o
}

// WaitForCredentials polls the job until verify-credentials succeeds and
// returns the connection. A failed step gives a *StepError, running past
// o.Timeout a *TimeoutError.
func (s *JobsService) WaitForCredentials(ctx context.Context, jobID string, o WaitOptions) (*Connection, error) {
	return s.waitFor(ctx, jobID, StepVerifyCredentials, o)
}

// WaitForTransactions polls the job until retrieve-transactions succeeds
// and returns the connection, like WaitForCredentials.
func (s *JobsService) WaitForTransactions(ctx context.Context, jobID string, o WaitOptions) (*Connection, error) {
	return s.waitFor(ctx, jobID, StepRetrieveTransactions, o)
}

func (s *JobsService) waitFor(ctx context.Context, jobID, step string, o WaitOptions) (*Connection, error) {
	o = o.withDefaults()
	start := time.Now()
	deadline := start.Add(o.Timeout)
	interval := o.Interval
	for {
		j, err := s.Get(ctx, jobID)
		if err != nil {
			return nil, err
		}
		if done, err := stepOutcome(j, step); done || err != nil {
			if err != nil {
				return nil, err
			}
			return s.Connection(ctx, j)
		}
		wait := min(interval, time.Until(deadline))
		if wait <= 0 {
			return nil, &TimeoutError{JobID: jobID, Step: currentTitle(j), Waited: time.Since(start)}
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("sdk: waiting for job %s: %w", jobID, err)
		}
		interval = min(interval+interval/2, o.MaxInterval)
	}
}

// stepOutcome reports whether step succeeded, or the error that ends the
// wait: a failed step, or a finished job without that step.
func stepOutcome(j *Job, step string) (bool, error) {
	s, ok := j.Step(step)
	if ok && s.Status == StatusSuccess {
		return true, nil
	}
	if f, failed := j.FailedStep(); failed {
		e := &StepError{JobID: j.ID, Step: f.Title}
		if f.Result != nil {
			e.Code, e.Title, e.Detail = f.Result.Code, f.Result.Title, f.Result.Detail
		}
		return false, e
	}
	if !ok && j.Done() {
		return false, fmt.Errorf("sdk: job %s ended without a %s step", j.ID, step)
	}
	return false, nil
}

func currentTitle(j *Job) string {
	if s := j.CurrentStep(); s != nil {
		return s.Title
	}
	return ""
}
