package worker

import (
	"context"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestRefresh_scheduledWithinBudget: the fake allows 3 Open Banking
// refreshes a day per connection, the worker's budget is 3: of 8
// scheduled refreshes 3 are sent and 5 skipped with the reason, Basiq
// never answers 429, and the limit is reached exactly (the app's own
// refresh at Basiq then gets the 429).
func TestRefresh_scheduledWithinBudget(t *testing.T) {
	const limit, ticks = 3, 8
	h := newHarness3(t, basiqtest.WithRefreshLimit(limit))
	h.cfg.RefreshBudget, h.cfg.RefreshMinInterval = limit, -1
	h.start()
	user := h.user()
	conn := h.wait(h.followJobs(user, consentJourney(t, h.srv, user, "AU00201")), 15*time.Second).ConnectionID
	sc := tasks.RefreshSchedule{ID: tasks.RefreshScheduleID(user, conn), UserID: user, ConnectionID: conn, CreatedAt: time.Now()}
	counts := map[tasks.Outcome]int{}
	for n := 1; n <= ticks; n++ {
		r := h.wait(h.enqueueScheduled(sc, n), 15*time.Second)
		counts[r.Outcome]++
		switch {
		case n <= limit && r.Outcome != tasks.OutcomeCompleted:
			t.Errorf("tick %d: %+v (error %+v), want completed", n, r, r.Error)
		case n > limit && (r.Outcome != tasks.OutcomeSkipped || r.Error == nil || r.Error.Code != tasks.CodeRefreshBudgetSpent ||
			r.ConnectionID != conn || r.JobID != ""):
			t.Errorf("tick %d: %+v (error %+v), want skipped refresh-budget-spent for %s, no job", n, r, r.Error, conn)
		}
		if n == ticks {
			t.Logf("tick %d: %s", n, r.Error.Detail)
		}
	}
	st := h.srv.Stats().Requests[refreshRoute]
	t.Logf("%d scheduled refreshes: %v; Basiq answered %v", ticks, counts, st)
	if st[202] != limit || st[429] != 0 {
		t.Errorf("Basiq's answers to refreshes = %v, want %d × 202 and no 429", st, limit)
	}
	_, err := h.api.Connections.Refresh(context.Background(), user, conn)
	if _, throttled := sdk.IsThrottled(err); !throttled {
		t.Errorf("the app's refresh after the worker's: %v, want Basiq's 429 (the limit spent exactly)", err)
	}
}

// TestRefresh_scheduledMinInterval: a scheduled refresh of a connection
// refreshed within RefreshMinInterval is skipped, whoever refreshed it (an
// application's refresh counts); the application's own refreshes are never
// held back.
func TestRefresh_scheduledMinInterval(t *testing.T) {
	h := newHarness3(t)
	h.cfg.RefreshMinInterval = time.Hour
	h.start()
	user := h.user()
	conn := h.wait(h.followJobs(user, consentJourney(t, h.srv, user, "AU00000")), 15*time.Second).ConnectionID
	app, err := h.client.RefreshConnection(context.Background(), tasks.RefreshConnection{UserID: user, ConnectionID: conn})
	if err != nil {
		t.Fatal(err)
	}
	if r := h.wait(app, 15*time.Second); r.Outcome != tasks.OutcomeCompleted {
		t.Fatalf("app refresh: %+v (error %+v)", r, r.Error)
	}
	sc := tasks.RefreshSchedule{ID: tasks.RefreshScheduleID(user, conn), UserID: user, ConnectionID: conn, CreatedAt: time.Now()}
	r := h.wait(h.enqueueScheduled(sc, 1), 15*time.Second)
	if r.Outcome != tasks.OutcomeSkipped || r.Error == nil || r.Error.Code != tasks.CodeRefreshTooSoon {
		t.Errorf("scheduled refresh after the app's: %+v (error %+v), want skipped refresh-too-soon", r, r.Error)
	}
	app2, err := h.client.RefreshConnection(context.Background(), tasks.RefreshConnection{UserID: user, ConnectionID: conn})
	if err != nil {
		t.Fatal(err)
	}
	if r := h.wait(app2, 15*time.Second); r.Outcome != tasks.OutcomeCompleted {
		t.Errorf("second app refresh: %+v (error %+v), want it sent", r, r.Error)
	}
	if n := h.calls(refreshRoute); n != 2 {
		t.Errorf("refreshes sent = %d, want 2 (the app's)", n)
	}
}

// TestRefresh_scheduledAllPartly: a scheduled refresh-all of a user with
// connections over budget refreshes only the others, one by one, and gives
// each held-back connection a skipped result; with none held back it is
// one refresh-all call.
func TestRefresh_scheduledAllPartly(t *testing.T) {
	h := newHarness3(t)
	h.cfg.RefreshBudget, h.cfg.RefreshMinInterval = 1, -1
	h.start()
	user := h.user()
	var conns []string
	for _, inst := range []string{"AU00000", "AU00201"} {
		conns = append(conns, h.wait(h.followJobs(user, consentJourney(t, h.srv, user, inst)), 15*time.Second).ConnectionID)
	}
	sc := tasks.RefreshSchedule{ID: tasks.RefreshScheduleID(user, ""), UserID: user, CreatedAt: time.Now()}
	first := h.enqueueScheduled(sc, 1)
	if got := h.taskResults(first, 2, 15*time.Second); got[tasks.OutcomeCompleted] != 2 {
		t.Fatalf("first scheduled refresh-all: %v, want 2 completed", got)
	}
	if n := h.calls(refreshAllRoute); n != 1 {
		t.Errorf("refresh-all calls = %d, want 1 (no connection held back)", n)
	}
	third := h.wait(h.followJobs(user, consentJourney(t, h.srv, user, "AU00301")), 15*time.Second).ConnectionID
	second := h.enqueueScheduled(sc, 2)
	got := h.taskResults(second, 3, 15*time.Second)
	t.Logf("second scheduled refresh-all over %v + %s: %v", conns, third, got)
	if got[tasks.OutcomeSkipped] != 2 || got[tasks.OutcomeCompleted] != 1 {
		t.Errorf("second scheduled refresh-all: %v, want 2 skipped and 1 completed", got)
	}
	if n, one := h.calls(refreshAllRoute), h.calls(refreshRoute); n != 1 || one != 1 {
		t.Errorf("refresh-all calls = %d, single refreshes = %d; want 1, 1 (the new connection)", n, one)
	}
	// All held back: one skipped result per connection, nothing sent.
	got = h.taskResults(h.enqueueScheduled(sc, 3), 3, 15*time.Second)
	if got[tasks.OutcomeSkipped] != 3 {
		t.Errorf("third scheduled refresh-all: %v, want 3 skipped", got)
	}
	if n, one := h.calls(refreshAllRoute), h.calls(refreshRoute); n != 1 || one != 1 {
		t.Errorf("after the third: refresh-all calls = %d, single refreshes = %d; want 1, 1", n, one)
	}
}

// taskResults waits for n results of taskID on the stream and counts them
// by outcome (failing on a second result for one connection).
func (h *harness) taskResults(taskID string, n int, d time.Duration) map[tasks.Outcome]int {
	h.t.Helper()
	var got map[tasks.Outcome]int
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		got = map[tasks.Outcome]int{}
		seen, total := map[string]bool{}, 0
		for _, e := range h.events() {
			if e.Type != tasks.EventResult || e.Result.TaskID != taskID {
				continue
			}
			if seen[e.Result.ConnectionID] {
				h.t.Errorf("task %s: a second result for connection %s", taskID, e.Result.ConnectionID)
			}
			seen[e.Result.ConnectionID] = true
			got[e.Result.Outcome]++
			total++
		}
		if total >= n {
			return got
		}
	}
	h.t.Fatalf("task %s: results %v after %s, want %d", taskID, got, d, n)
	return nil
}
