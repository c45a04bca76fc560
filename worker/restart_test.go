package worker

import (
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
	}{
		// In-flight calls finish within the shutdown timeout; nothing is lost.
		{"graceful", 5 * time.Second, 1200 * time.Millisecond, true},
		// In-flight calls are abandoned: their tasks go back to the queue and
		// a create whose answer was lost ends as outcome-unknown, not twice.
		{"abandoned calls", 10 * time.Millisecond, 350 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t,
				basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: 500 * time.Millisecond, Accounts: 500 * time.Millisecond, Transactions: 500 * time.Millisecond}),
				basiqtest.WithFaults(basiqtest.Fault{Path: "", Latency: 150 * time.Millisecond}))
			h.cfg.ShutdownTimeout = tt.shutdownTimeout
			user := h.user()
			const n = 12
			var ids []string
			for range n {
				ids = append(ids, h.create(user, "AU00000", "gavinBelson", "hooli2016"))
			}
			stop := h.start()
			time.Sleep(tt.stopAfter)
			stop()
			before := countResults(h.events())
			h.start()
			outcomes := map[tasks.Outcome]int{}
			for _, id := range ids {
				r := h.wait(id, 30*time.Second)
				outcomes[r.Outcome]++
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
// slots: all results arrive within a small multiple of 3 s, which is only
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
		remaining := 20*time.Second - time.Since(start)
		if r := h.wait(id, max(remaining, time.Millisecond)); r.Outcome != tasks.OutcomeCompleted {
			t.Fatalf("%s: %+v", id, r)
		}
	}
	wall := time.Since(start)
	polls := h.calls("GET /jobs/{id}")
	t.Logf("%d jobs of 3s with 2 slots: all results in %v; %d polls (%.1f per job)", n, wall.Round(10*time.Millisecond), polls, float64(polls)/n)
	if wall > 20*time.Second {
		t.Errorf("took %v, want < 20s", wall)
	}
}
