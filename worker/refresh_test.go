package worker

import (
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestWorker_serviceUnavailableFollowedSlowly: a job failing with
// service-unavailable (the sandbox's jianYang) is looked at again every
// UnavailablePoll until the task's deadline, never refreshed, and the
// failed result says so.
func TestWorker_serviceUnavailableFollowedSlowly(t *testing.T) {
	h := newHarness(t)
	h.cfg.UnavailablePoll = time.Second
	h.start()
	user := h.user()
	start := time.Now()
	id := h.create(user, "AU00000", "jianYang", "nothotdog", tasks.Enqueue{Deadline: start.Add(4 * time.Second)})
	r := h.wait(id, 20*time.Second)
	took := time.Since(start)
	if r.Outcome != tasks.OutcomeFailed || r.Error == nil || r.Error.Code != tasks.ErrorCode(sdk.CodeServiceUnavailable) ||
		r.Error.Step != sdk.StepVerifyCredentials {
		t.Fatalf("result = %+v (error %+v), want failed with service-unavailable at verify-credentials", r, r.Error)
	}
	if !strings.Contains(r.Error.Detail, "looked at it every 1s from ") || !strings.Contains(r.Error.Detail, "until the task's deadline") {
		t.Errorf("detail = %q, want what the worker did", r.Error.Detail)
	}
	looks, refreshes := h.calls("GET /jobs/{id}"), h.calls("POST /users/{uid}/connections/{cid}/refresh")
	t.Logf("result after %s: %d looks at the job, %d refreshes; detail %q", took.Round(time.Millisecond), looks, refreshes, r.Error.Detail)
	if took < 4*time.Second {
		t.Errorf("result after %s, want it at the deadline (4s)", took)
	}
	// The job fails at about 0.2 s; then one look a second until 4 s: 3 to
	// 6 looks, however late the loaded machine runs them (not 20 at the
	// poll policy's pace).
	if looks < 3 || looks > 7 || looks != r.Polls {
		t.Errorf("looks = %d (result polls %d), want 3-7 looks, all counted", looks, r.Polls)
	}
	if refreshes != 0 {
		t.Errorf("refreshes = %d, want 0: Basiq retries service-unavailable itself", refreshes)
	}
}
