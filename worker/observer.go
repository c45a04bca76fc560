package worker

import "time"

// Observer receives the worker's measurements; *metrics.Metrics of package
// worker/metrics implements it. A nil Observer in Config records nothing.
type Observer interface {
	// PollObserved counts one GET /jobs/{id}.
	PollObserved()
	// StepFinished records a job step that ended with status, d after it began.
	StepFinished(step, status string, d time.Duration)
	// ResultPublished records a published result.
	ResultPublished(outcome string, polls int, total time.Duration)
	// TokenRefreshed counts a Basiq access token saved to the shared store.
	TokenRefreshed()
	// RetryWait records a retry scheduled by asynq: reason is "throttled",
	// "transient" or "maintenance".
	RetryWait(reason string, d time.Duration)
	// TaskRejected counts a task archived on its first delivery because it
	// cannot be processed: reason is RejectUnknownType or
	// RejectInvalidPayload.
	TaskRejected(reason string)
}

type nopObserver struct{}

func (nopObserver) PollObserved()                              {}
func (nopObserver) StepFinished(string, string, time.Duration) {}
func (nopObserver) ResultPublished(string, int, time.Duration) {}
func (nopObserver) TokenRefreshed()                            {}
func (nopObserver) RetryWait(string, time.Duration)            {}
func (nopObserver) TaskRejected(string)                        {}

func observerOrNop(o Observer) Observer {
	if o == nil {
		return nopObserver{}
	}
	return o
}
