package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
)

// runPolls runs the scheduled polls in order, each once (over all calls),
// until none is left, and returns how many ran.
func runPolls(t *testing.T, e *testEnv) int {
	t.Helper()
	done := e.ran
	for n := 0; ; {
		e.sched.mu.Lock()
		var next string
		for _, id := range e.sched.order {
			if !done[id] {
				next = id
				break
			}
		}
		e.sched.mu.Unlock()
		if next == "" {
			return n
		}
		done[next], n = true, n+1
		if err := pollOnce(t, e, scheduledPoll(t, e, next), false); err != nil && !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("%s: %v", next, err)
		}
	}
}

// resultsByTask reads the results stream: task id -> job id -> results.
func resultsByTask(t *testing.T, e *testEnv) map[string]map[string][]tasks.Result {
	t.Helper()
	evs, err := e.sub.ReadResults(t.Context(), "0-0", 100000, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]tasks.Result{}
	for _, ev := range evs {
		if ev.Type != tasks.EventResult {
			continue
		}
		r := *ev.Result
		if out[r.TaskID] == nil {
			out[r.TaskID] = map[string][]tasks.Result{}
		}
		out[r.TaskID][r.JobID] = append(out[r.TaskID][r.JobID], r)
	}
	return out
}

func refreshTask(t *testing.T, conn string, deadline time.Time) *asynq.Task {
	t.Helper()
	b, _ := json.Marshal(wire.RefreshConnectionPayload{V: 1, UserID: "u-1", ConnectionID: conn, Deadline: deadline})
	return asynq.NewTask(tasks.TypeRefreshConnection, b)
}

// TestSharedJob_oneOutcome is the case of issue 9: a refresh-all and two
// refreshes that Basiq answered with the same running job. The refresh-all's
// deadline passes while the job runs; the job then fails (job-timed-out).
// The job is followed by one chain and all three tasks get the same outcome.
func TestSharedJob_oneOutcome(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.refresh = func(_, conn string) (*sdk.Job, error) { return job("j-"+conn, sdk.StatusInProgress), nil }
	running := job("j-c-1", sdk.StatusInProgress)
	e.basiq.jobs["j-c-1"] = []*sdk.Job{running, running, failedJob("j-c-1", "job-timed-out")}
	e.basiq.jobs["j-c-2"] = []*sdk.Job{job("j-c-2", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}

	// The deadline leaves the three handlers a second (a loaded machine),
	// then passes before the polls run.
	deadline := time.Now().Add(time.Second)
	b, _ := json.Marshal(wire.RefreshAllPayload{V: 1, UserID: "u-1", Deadline: deadline})
	if err := e.h.RefreshAll(e.ctx("ra", 0, false), asynq.NewTask(tasks.TypeRefreshAll, b)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"r1", "r2"} {
		if err := e.h.RefreshConnection(e.ctx(id, 0, false), refreshTask(t, "c-1", time.Now().Add(time.Minute))); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	time.Sleep(time.Until(deadline) + 10*time.Millisecond) // the refresh-all's deadline passes
	runPolls(t, e)

	for _, id := range e.sched.order {
		if p := scheduledPoll(t, e, id); p.JobID == "j-c-1" && p.TaskID != "ra" {
			t.Errorf("poll %s follows j-c-1 for %s: a second chain", id, p.TaskID)
		}
	}
	got := resultsByTask(t, e)
	for _, id := range []string{"ra", "r1", "r2"} {
		rs := got[id]["j-c-1"]
		if len(rs) != 1 {
			t.Errorf("%s: %d results for j-c-1, want 1", id, len(rs))
			continue
		}
		if r := rs[0]; r.Outcome != tasks.OutcomeFailed || r.Error == nil || r.Error.Code != "job-timed-out" || r.ConnectionID != "c-1" {
			t.Errorf("%s: %s %+v, want failed job-timed-out on c-1", id, r.Outcome, r.Error)
		}
		if id != "ra" && got[id]["j-c-1"][0].Kind != tasks.TypeRefreshConnection {
			t.Errorf("%s: kind %s", id, got[id]["j-c-1"][0].Kind)
		}
	}
	if rs := got["ra"]["j-c-2"]; len(rs) != 1 || rs[0].Outcome != tasks.OutcomeCompleted {
		t.Errorf("ra: results for j-c-2 = %+v, want one completed", rs)
	}
}

// TestSharedJob_attachAfterEnd: a task attaching to a job whose outcome is
// settled gets that outcome at once; re-runs publish nothing new.
func TestSharedJob_attachAfterEnd(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.refresh = func(string, string) (*sdk.Job, error) { return job("j-1", sdk.StatusInProgress), nil }
	e.basiq.jobs["j-1"] = []*sdk.Job{job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}
	e.basiq.accounts = []string{"a-1"}
	deadline := time.Now().Add(time.Minute)
	if err := e.h.RefreshConnection(e.ctx("r1", 0, false), refreshTask(t, "c-1", deadline)); err != nil {
		t.Fatal(err)
	}
	runPolls(t, e)
	for _, id := range []string{"r2", "r2", "r1"} { // r2 twice, and the owner re-run
		if err := e.h.RefreshConnection(e.ctx(id, 0, false), refreshTask(t, "c-1", deadline)); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	runPolls(t, e)
	got := resultsByTask(t, e)
	for _, id := range []string{"r1", "r2"} {
		if rs := got[id]["j-1"]; len(rs) != 1 || rs[0].Outcome != tasks.OutcomeCompleted || len(rs[0].Accounts) != 1 {
			t.Errorf("%s: results %+v, want one completed with the account", id, rs)
		}
	}
	if n := e.basiq.count("job"); n != 1 {
		t.Errorf("GET /jobs = %d, want 1", n)
	}
}

// TestSharedJob_finalPollTwice: the final poll of a chain runs twice (a
// lost ack), the second time seeing another state: the first outcome
// stored stands and every task still has one result.
func TestSharedJob_finalPollTwice(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.refresh = func(string, string) (*sdk.Job, error) { return job("j-1", sdk.StatusInProgress), nil }
	e.basiq.jobs["j-1"] = []*sdk.Job{failedJob("j-1", "invalid-credentials"), job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}
	for _, id := range []string{"r1", "r2"} {
		if err := e.h.RefreshConnection(e.ctx(id, 0, false), refreshTask(t, "c-1", time.Now().Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	p := scheduledPoll(t, e, pollTaskID("j-1", 1))
	for range 2 {
		if err := pollOnce(t, e, p, false); !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("err = %v, want SkipRetry", err)
		}
	}
	got := resultsByTask(t, e)
	for _, id := range []string{"r1", "r2"} {
		if rs := got[id]["j-1"]; len(rs) != 1 || rs[0].Error == nil || rs[0].Error.Code != "invalid-credentials" {
			t.Errorf("%s: results %+v, want one failed invalid-credentials", id, rs)
		}
	}
}

// TestSharedJob_maintenanceRefresh: the chain refreshes after an
// institution-side failure and follows the new job; a task that waited on
// the first job gets the new job's outcome.
func TestSharedJob_maintenanceRefresh(t *testing.T) {
	e := newTestEnv(t)
	e.h.stepDelay = 0
	var mu sync.Mutex
	refreshes := 0
	e.basiq.refresh = func(string, string) (*sdk.Job, error) {
		mu.Lock()
		defer mu.Unlock()
		if refreshes++; refreshes <= 2 {
			return job("j-1", sdk.StatusInProgress), nil
		}
		return job("j-2", sdk.StatusInProgress), nil
	}
	e.basiq.jobs["j-1"] = []*sdk.Job{failedJob("j-1", "maintenance")}
	e.basiq.jobs["j-2"] = []*sdk.Job{job("j-2", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}
	for _, id := range []string{"r1", "r2"} {
		if err := e.h.RefreshConnection(e.ctx(id, 0, false), refreshTask(t, "c-1", time.Now().Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	runPolls(t, e)
	got := resultsByTask(t, e)
	for _, id := range []string{"r1", "r2"} {
		if rs := got[id]["j-2"]; len(rs) != 1 || rs[0].Outcome != tasks.OutcomeCompleted {
			t.Errorf("%s: results %+v, want one completed for j-2", id, got[id])
		}
	}
}

// TestSharedJob_attachRace attaches many tasks to jobs at the moment their
// chains publish the outcome, on the real Redis: each task gets exactly one
// result, with the job's outcome.
func TestSharedJob_attachRace(t *testing.T) {
	rdb := testredis.Client(t)
	e := newTestEnvOn(t, rdb, testredis.Namespace(t, "wf"))
	const jobs, waiters = 20, 8
	for j := range jobs {
		id := fmt.Sprintf("j-%d", j)
		e.basiq.jobs[id] = []*sdk.Job{failedJob(id, "invalid-credentials")}
	}
	e.basiq.refresh = func(_, conn string) (*sdk.Job, error) { return job("j-"+conn, sdk.StatusInProgress), nil }
	deadline := time.Now().Add(time.Minute)
	for j := range jobs {
		conn := fmt.Sprint(j)
		if err := e.h.RefreshConnection(e.ctx("owner-"+conn, 0, false), refreshTask(t, conn, deadline)); err != nil {
			t.Fatal(err)
		}
		p := scheduledPoll(t, e, pollTaskID("j-"+conn, 1))
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			if err := pollOnce(t, e, p, false); !errors.Is(err, asynq.SkipRetry) {
				t.Errorf("final poll of j-%s: %v", conn, err)
			}
		})
		for w := range waiters {
			wg.Go(func() {
				<-start
				id := fmt.Sprintf("w-%s-%d", conn, w)
				if err := e.h.RefreshConnection(e.ctx(id, 0, false), refreshTask(t, conn, deadline)); err != nil {
					t.Errorf("%s: %v", id, err)
				}
			})
		}
		close(start)
		wg.Wait()
	}
	got := resultsByTask(t, e)
	for j := range jobs {
		conn := fmt.Sprint(j)
		for w := -1; w < waiters; w++ {
			id := fmt.Sprintf("w-%s-%d", conn, w)
			if w < 0 {
				id = "owner-" + conn
			}
			if rs := got[id]["j-"+conn]; len(rs) != 1 || rs[0].Error == nil || rs[0].Error.Code != "invalid-credentials" {
				t.Errorf("%s: %d results %+v, want one failed invalid-credentials", id, len(rs), rs)
			}
		}
	}
	if n := e.basiq.count("job"); n != jobs {
		t.Errorf("GET /jobs = %d, want one per job (%d)", n, jobs)
	}
}

// TestSharedJob_mfa: a task waiting on a job that challenges for MFA gets
// its own mfa_required event, once, like the task of the chain.
func TestSharedJob_mfa(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.refresh = func(string, string) (*sdk.Job, error) { return job("j-1", sdk.StatusInProgress), nil }
	mfa := &sdk.Job{ID: "j-1", Steps: []sdk.Step{
		{Title: sdk.StepVerifyCredentials, Status: sdk.StatusSuccess},
		{Title: sdk.StepMFAChallenge, Status: sdk.StatusInProgress, Result: &sdk.StepResult{Type: "mfa", Method: "token", Input: []string{"code"}}},
	}}
	e.basiq.jobs["j-1"] = []*sdk.Job{mfa, mfa, job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}
	if err := e.h.RefreshConnection(e.ctx("r1", 0, false), refreshTask(t, "c-1", time.Now().Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	p := scheduledPoll(t, e, pollTaskID("j-1", 1))
	if err := pollOnce(t, e, p, false); err != nil { // the challenge: r1 hears of it
		t.Fatal(err)
	}
	e.ran[pollTaskID("j-1", 1)] = true
	if err := e.h.RefreshConnection(e.ctx("r2", 0, false), refreshTask(t, "c-1", time.Now().Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	runPolls(t, e) // r2 attached during the challenge
	evs, err := e.sub.ReadResults(t.Context(), "0-0", 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	mfaFor := map[string]int{}
	for _, ev := range evs {
		if ev.Type == tasks.EventMFARequired {
			mfaFor[ev.MFA.TaskID]++
		}
	}
	if mfaFor["r1"] != 1 || mfaFor["r2"] != 1 {
		t.Errorf("mfa_required events by task = %v, want one each for r1 and r2", mfaFor)
	}
	got := resultsByTask(t, e)
	for _, id := range []string{"r1", "r2"} {
		if rs := got[id]["j-1"]; len(rs) != 1 || rs[0].Outcome != tasks.OutcomeCompleted {
			t.Errorf("%s: results %+v, want one completed", id, rs)
		}
	}
}

// TestAttach_roles checks each way a task attaches to a job's record on a
// real Redis: the first task owns the chain through attachFirst (the owner
// and the record's TTL, no deadline), another task waits (its later
// deadline recorded), the owner's re-run owns again, and of many tasks
// attaching to a new job at once exactly one owns it.
func TestAttach_roles(t *testing.T) {
	rdb := testredis.Client(t)
	e := newTestEnvOn(t, rdb, testredis.Namespace(t, "wf"))
	ctx := t.Context()
	soon, later := time.Now().Add(time.Minute).Truncate(time.Millisecond), time.Now().Add(time.Hour).Truncate(time.Millisecond)
	payload := func(task, jobID string, deadline time.Time) pollPayload {
		var p pollPayload
		p.TaskID, p.UserID, p.JobID, p.Deadline = task, "u-1", jobID, deadline
		return p
	}
	for _, tc := range []struct {
		name, task string
		deadline   time.Time
		wantRole   string
		wantRecord map[string]string
	}{
		{"first", "t-1", soon, roleOwner, map[string]string{"owner": "t-1"}},
		{"another task", "t-2", later, roleWaiter, map[string]string{"owner": "t-1", "deadline": fmt.Sprint(later.UnixMilli())}},
		{"the owner again", "t-1", soon, roleOwner, map[string]string{"owner": "t-1", "deadline": fmt.Sprint(later.UnixMilli())}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := e.h.attach(ctx, payload(tc.task, "j-1", tc.deadline))
			if err != nil {
				t.Fatal(err)
			}
			if a.role != tc.wantRole || a.jobID != "j-1" {
				t.Errorf("attach = %s on %s, want %s on j-1", a.role, a.jobID, tc.wantRole)
			}
			rec, err := rdb.HGetAll(ctx, e.h.followKey("j-1")).Result()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(rec) != fmt.Sprint(tc.wantRecord) {
				t.Errorf("record = %v, want %v", rec, tc.wantRecord)
			}
			if ttl := rdb.PTTL(ctx, e.h.followKey("j-1")).Val(); ttl <= startTTL-time.Minute || ttl > startTTL {
				t.Errorf("record TTL = %v, want about %v", ttl, startTTL)
			}
		})
	}
	if got := e.h.chainDeadline(ctx, payload("t-1", "j-1", soon)); !got.Equal(later) {
		t.Errorf("chainDeadline = %v, want the waiter's %v", got, later)
	}
	t.Run("at once", func(t *testing.T) {
		const n = 16
		roles := make(chan string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				a, err := e.h.attach(ctx, payload(fmt.Sprintf("r-%d", i), "j-2", soon))
				if err != nil {
					t.Error(err)
				}
				roles <- a.role
			})
		}
		wg.Wait()
		close(roles)
		count := map[string]int{}
		for r := range roles {
			count[r]++
		}
		if count[roleOwner] != 1 || count[roleWaiter] != n-1 {
			t.Errorf("roles = %v, want 1 owner and %d waiters", count, n-1)
		}
	})
}
