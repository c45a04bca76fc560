package worker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestWorker_restart stops a worker in the middle of its jobs and starts
// another: every task still gets exactly one result and no connection is
// created twice.
func TestWorker_restart(t *testing.T) {
	tests := []struct {
		name            string
		shutdownTimeout time.Duration
		stopAfter       time.Duration
		allCompleted    bool
		slowCreates     bool // creates take 1 s more, so the stop finds them in flight
	}{
		// In-flight calls finish within the shutdown timeout; nothing is lost.
		{"graceful", 5 * time.Second, 1200 * time.Millisecond, true, false},
		// In-flight calls are abandoned: their tasks go back to the queue and
		// resume the jobs they started.
		{"abandoned calls", 10 * time.Millisecond, 350 * time.Millisecond, false, false},
		// Creates are abandoned before Basiq answers: the next worker finds
		// each one's job at Basiq and follows it; none is sent twice, none
		// ends outcome-unknown.
		{"abandoned creates", 10 * time.Millisecond, 700 * time.Millisecond, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			faults := []basiqtest.Fault{{Path: "", Latency: 150 * time.Millisecond}}
			if tt.slowCreates {
				faults = append(faults, basiqtest.Fault{Path: "POST /users/*/connections", Latency: time.Second})
			}
			h := newHarness(t,
				basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: 500 * time.Millisecond, Accounts: 500 * time.Millisecond, Transactions: 500 * time.Millisecond}),
				basiqtest.WithFaults(faults...))
			h.cfg.ShutdownTimeout = tt.shutdownTimeout
			// Well over a create's 1.15 s, even on a loaded machine: a lost
			// create is looked up only once its call can no longer be in
			// flight (with the harness's 1 s, a slow create was once taken
			// for lost and sent again).
			h.cfg.ReconcileAfter = 4 * time.Second
			const n = 12
			var ids, users []string
			for range n { // a user each: a lost create is matched by user and bank
				users = append(users, h.user())
				ids = append(ids, h.create(users[len(users)-1], "AU00000", "gavinBelson", "hooli2016"))
			}
			stop := h.start()
			time.Sleep(tt.stopAfter)
			stopAt := time.Now()
			stop()
			before := countResults(h.events())
			// Mid-run: Basiq calls were made and not every task has its result.
			if sent := len(h.rec.all()); sent == 0 || before >= n {
				t.Fatalf("stopped after %d Basiq calls and %d results: not in the middle of the run", sent, before)
			}
			h.start()
			outcomes := map[tasks.Outcome]int{}
			unknown := 0
			for _, id := range ids {
				r := h.wait(id, 30*time.Second)
				outcomes[r.Outcome]++
				if r.Error != nil && r.Error.Code == tasks.CodeOutcomeUnknown {
					unknown++
				}
			}
			if unknown > 0 {
				t.Errorf("outcomes = %v with %d outcome-unknown, want none", outcomes, unknown)
			}
			for _, u := range users {
				if conns, err := h.api.Connections.List(context.Background(), u, nil); err != nil || len(conns) != 1 {
					t.Errorf("user %s: %d connections (%v), want 1", u, len(conns), err)
				}
			}
			time.Sleep(1500 * time.Millisecond) // late duplicates, if any, would show now
			perTask := map[string]int{}
			for _, e := range h.events() {
				if e.Type == tasks.EventResult {
					perTask[e.Result.TaskID]++
				}
			}
			for _, id := range ids {
				if perTask[id] != 1 {
					t.Errorf("task %s: %d results, want 1", id, perTask[id])
				}
			}
			if creates := h.calls("POST /users/{uid}/connections"); creates > n {
				t.Errorf("creates = %d for %d tasks", creates, n)
			}
			if !tt.allCompleted {
				// The case is only worth its name if a call to Basiq was under
				// way when the worker gave up on it.
				inFlight := 0
				for _, r := range h.rec.all() {
					if r.start.Before(stopAt) && r.end.After(stopAt) {
						inFlight++
						t.Logf("in flight at the stop: %s %s (%d)", r.method, r.path, r.status)
					}
				}
				if inFlight == 0 {
					t.Error("no Basiq call was in flight at the stop")
				}
			}
			if tt.allCompleted && outcomes[tasks.OutcomeCompleted] != n {
				t.Errorf("outcomes = %v, want all %d completed", outcomes, n)
			}
			t.Logf("results before the restart: %d; outcomes: %s; creates: %d", before, fmt.Sprint(outcomes), h.calls("POST /users/{uid}/connections"))
			if testing.Verbose() {
				t.Log(h.logs.String())
			}
		})
	}
}

// TestWorker_notBlocking follows 200 Basiq jobs of 3 s each with 2 worker
// slots: all results arrive within a small multiple of 3 s (under 60 s, not 300 s), which is only
// possible if no slot is held while a job runs.
func TestWorker_notBlocking(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	h := newHarness(t, basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: time.Second, Accounts: time.Second, Transactions: time.Second}))
	h.cfg.Concurrency = 2
	h.cfg.Policy = PollPolicy{Initial: 500 * time.Millisecond, Factor: 1.5, Max: 2 * time.Second, Jitter: 0.2}
	h.cfg.Logger = h.cfg.Logger.Level(1) // info lines for 200 jobs are noise here
	const n = 200
	users := make([]string, 10)
	for i := range users {
		users[i] = h.user()
	}
	var ids []string
	for i := range n {
		ids = append(ids, h.create(users[i%len(users)], "AU00000", "gavinBelson", "hooli2016"))
	}
	start := time.Now()
	h.start()
	for _, id := range ids {
		remaining := 60*time.Second - time.Since(start)
		if r := h.wait(id, max(remaining, time.Millisecond)); r.Outcome != tasks.OutcomeCompleted {
			t.Fatalf("%s: %+v", id, r)
		}
	}
	wall := time.Since(start)
	polls := h.calls("GET /jobs/{id}")
	t.Logf("%d jobs of 3s with 2 slots: all results in %v; %d polls (%.1f per job)", n, wall.Round(10*time.Millisecond), polls, float64(polls)/n)
	// Blocking, 2 slots would take 200 × 3 s / 2 = 300 s; 60 s leaves a
	// loaded machine room and still proves that no slot waits on a job.
	if wall > 60*time.Second {
		t.Errorf("took %v, want < 60s", wall)
	}
}
