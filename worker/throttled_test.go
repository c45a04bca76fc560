package worker

import (
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestWorker_throttledLooksDoNotCountAsRetries: a look that Basiq answers
// 429 is retried after its Retry-After and does not count against
// PollMaxRetry (a throttled attempt is not a failure), so a job whose looks
// are throttled more times in a row than PollMaxRetry still gets its result
// once Basiq lets them through. Before, the follower counted 429s in
// chain.Errs and the look after the last retry ended the task failed with
// too-many-requests (a bench fault-mix run at n=400).
func TestWorker_throttledLooksDoNotCountAsRetries(t *testing.T) {
	h := newHarness(t)
	h.cfg.PollMaxRetry = 2
	h.srv.SetFaults(basiqtest.Fault{Path: "GET /jobs/", ThrottleRate: 1}) // Retry-After: 1
	h.start()
	taskID := h.create(h.user(), "AU00000", "gavinBelson", "hooli2016")

	const throttled = 5 // more than PollMaxRetry + 1 in a row
	for end := time.Now().Add(30 * time.Second); h.srv.Stats().Requests["GET /jobs/{id}"][429] < throttled; time.Sleep(50 * time.Millisecond) {
		if r, err := h.sub.Result(t.Context(), taskID); err != nil || r != nil {
			t.Fatalf("result while every look is throttled: %+v (error %+v, %v), want none yet", r, r.Error, err)
		}
		if time.Now().After(end) {
			t.Fatalf("GET /jobs/{id} answered 429 %d times in 30s, want %d", h.srv.Stats().Requests["GET /jobs/{id}"][429], throttled)
		}
	}
	h.srv.SetFaults() // Basiq lets the looks through again
	r := h.wait(taskID, 30*time.Second)
	if r.Outcome != tasks.OutcomeCompleted {
		t.Fatalf("result = %+v (error %+v), want completed: throttled looks are retried, not counted", r, r.Error)
	}
	if r.Polls < 1 {
		t.Errorf("polls = %d, want the looks that got through", r.Polls)
	}
}
