package worker

import (
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestFollowJobs_otherUsersJob: a follow for user U of a job of user V
// fails with job-not-of-user, without attaching to the job: V's own follow
// gets V's result and U's task no other.
func TestFollowJobs_otherUsersJob(t *testing.T) {
	h := newHarness3(t)
	h.start()
	u, v := h.user(), h.user()
	jobs := consentJourney(t, h.srv, v, "AU00000")
	wrong := h.followJobs(u, jobs)
	r := h.wait(wrong, 15*time.Second)
	if r.Outcome != tasks.OutcomeFailed || r.Error == nil || r.Error.Code != tasks.CodeJobNotOfUser ||
		!strings.Contains(r.Error.Detail, jobs[0]) || r.JobID != "" || r.UserID != u {
		t.Errorf("follow of %s's job for %s: %+v (error %+v), want failed job-not-of-user naming the job, no job", v, u, r, r.Error)
	}
	right := h.wait(h.followJobs(v, jobs), 15*time.Second)
	if right.Outcome != tasks.OutcomeCompleted || right.UserID != v || right.JobID != jobs[0] {
		t.Errorf("follow for the job's own user: %+v (error %+v), want completed", right, right.Error)
	}
	time.Sleep(300 * time.Millisecond) // a result for the refused task would come now
	n := 0
	for _, e := range h.events() {
		if e.Type == tasks.EventResult && e.Result.TaskID == wrong {
			n++
		}
	}
	if n != 1 {
		t.Errorf("results of the refused follow = %d, want 1 (its failure)", n)
	}
}

// TestFollowJobs_afterWebhookFollowEnded: an application's follow of a job
// whose webhook-started follow already ended attaches to the stored
// outcome: its one result carries that outcome and the chain's polls, and
// the job is not polled again (one GET, the ownership check). The job then
// has two results on the stream, one per task: the webhook's follow and the
// application's (see worker/doc.go).
func TestFollowJobs_afterWebhookFollowEnded(t *testing.T) {
	h := newHarness3(t)
	h.hooked(sdk.EventConnectionCreated)
	h.start()
	user := h.user()
	jobs := consentJourney(t, h.srv, user, "AU00000")
	first := h.nextEvent("0", 20*time.Second, func(e tasks.Event) bool {
		return e.Type == tasks.EventResult && e.Result.JobID == jobs[0]
	}).Result
	if !isWebhookFollow(first.TaskID) {
		t.Fatalf("first result of %s from task %s, want the webhook's follow", jobs[0], first.TaskID)
	}
	looks := h.calls("GET /jobs/{id}")
	late := h.wait(h.followJobs(user, jobs), 15*time.Second)
	if late.Outcome != first.Outcome || late.JobID != first.JobID || late.Polls != first.Polls ||
		late.ConnectionID != first.ConnectionID || late.TaskID == first.TaskID {
		t.Errorf("late follow's result %+v, want the stored outcome of %+v under its own task", late, first)
	}
	if n := h.calls("GET /jobs/{id}") - looks; n != 1 {
		t.Errorf("GET /jobs after the late follow = %d, want 1 (the ownership check; no poll)", n)
	}
}
