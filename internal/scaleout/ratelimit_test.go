package scaleout

import (
	"context"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// TestRateLimit_threeWorkers: three worker processes share one Basiq
// limit through Redis (BASIQ_RATE_LIMIT 9/s, burst 2) against a fake that
// answers 429 past 10 requests a second per API key. The jobs want far
// more than 9 calls a second, so the limit binds: Basiq answers no 429,
// the run lasts at least as long as its calls take at 9/s, and every task
// gets exactly one completed result.
func TestRateLimit_threeWorkers(t *testing.T) {
	t.Parallel()
	testredis.Client(t)
	ctx := context.Background()
	q := testredis.Queue(t, "rl")
	st := newStack(t, "redis://"+testredis.Addr()+"/0", []string{q})
	testredis.CleanupNamespace(t, st.ns)
	users := st.users(ctx, 24)
	st.fake.SetFaults(basiqtest.Fault{RateLimit: 10}) // the users are made: from now on, every path
	before := st.fake.Stats().Requests
	for k, v := range map[string]string{"BASIQ_RATE_LIMIT": "9", "BASIQ_RATE_BURST": "2", "POLL_INITIAL_DELAY": "50ms", "POLL_MAX_DELAY": "200ms"} {
		st.env[k] = v
	}
	for range 3 {
		st.startWorker(nil)
	}
	start := time.Now()
	ids := st.createAll(ctx, users)
	got := st.results(ctx, ids, 90*time.Second, 500*time.Millisecond)
	took := time.Since(start)
	st.checkExactlyOnce(t, ids, got)

	calls, throttled := 0, 0
	for route, byStatus := range st.fake.Stats().Requests {
		for status, n := range byStatus {
			n -= before[route][status]
			calls += n
			if status == 429 {
				throttled += n
			}
		}
	}
	t.Logf("%d calls to Basiq (token included) in %v: %.1f/s against a limit of 9/s; %d answered 429",
		calls, took.Round(time.Millisecond), float64(calls)/took.Seconds(), throttled)
	if throttled > 0 {
		t.Errorf("Basiq answered %d of %d calls 429, want none: the workers' shared limit (9/s) is under Basiq's (10/s)", throttled, calls)
	}
	// 3 tokens + the burst may go at once; the rest at 9/s at most.
	if least := time.Duration(float64(calls-5) / 9 * float64(time.Second)); took < least {
		t.Errorf("%d calls took %v, want at least %v at 9/s: the limit did not bind", calls, took, least)
	}
}
