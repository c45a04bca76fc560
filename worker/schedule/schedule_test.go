package schedule

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

func setup(t *testing.T) (ns, queue string, rdb *redis.Client) {
	return testredis.Namespace(t, "test"), testredis.Queue(t, "test"), testredis.Client(t)
}

// refreshes counts the refresh tasks enqueued on queue so far.
func refreshes(t *testing.T, insp *asynq.Inspector, queue string) int {
	t.Helper()
	info, err := insp.GetQueueInfo(queue)
	if err != nil {
		if strings.Contains(err.Error(), "not found") || strings.Contains(err.Error(), "does not exist") { // none enqueued yet
			return 0
		}
		t.Fatal(err)
	}
	return info.Size
}

func TestRun_twoProcessesEnqueueOncePerTick(t *testing.T) {
	ns, queue, rdb := setup(t)
	conn := testredis.ConnOpt()
	client := tasks.NewClient(rdb, nil, tasks.WithNamespace(ns), tasks.WithDefaultQueue(queue), tasks.WithMinRefreshInterval(time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	id, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: "u1", ConnectionID: "c1", Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for range 2 {
		go func() {
			done <- Run(ctx, Options{Redis: rdb, Namespace: ns, SyncInterval: 200 * time.Millisecond})
		}()
	}
	insp := asynq.NewInspector(conn)
	defer insp.Close()
	sc, err := client.RefreshSchedule(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// Ticks 1, 2 and 3 are due 3 s after CreatedAt. A loaded machine may
	// look later than that, when tick 4 is due too: the count is checked
	// against the ticks due when it was read, not against a sleep's end.
	var n int
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if n = refreshes(t, insp, queue); n >= 3 || time.Now().After(end) {
			break
		}
	}
	if due := Tick(sc, time.Now()); n < 3 || int64(n) > due {
		t.Errorf("two managers over %d ticks enqueued %d refreshes, want one a tick (3 or more)", due, n)
	}
	pending, err := insp.ListPendingTasks(queue)
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range pending {
		if ti.Type != tasks.TypeRefreshConnection || !strings.Contains(string(ti.Payload), `"connectionId":"c1"`) {
			t.Errorf("task %s: type %s payload %s, want a refresh of c1", ti.ID, ti.Type, ti.Payload)
		}
	}

	if err := client.UnscheduleRefresh(ctx, id); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // > SyncInterval
	before := refreshes(t, insp, queue)
	time.Sleep(2200 * time.Millisecond)
	if after := refreshes(t, insp, queue); after != before {
		t.Errorf("after unschedule: %d refreshes, then %d; want no more", before, after)
	}
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestClient_ScheduleRefresh_validation(t *testing.T) {
	ns, _, rdb := setup(t)
	client := tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	ctx := context.Background()
	if _, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: "u", Interval: time.Second}); err == nil {
		t.Error("interval 1s: got nil error, want at least 1m")
	}
	if _, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{Interval: time.Hour}); err == nil {
		t.Error("no user: got nil error")
	}
	id, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: "u", Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.ListRefreshSchedules(ctx)
	if err != nil || len(list) != 1 || list[0].ID != id || list[0].Interval != time.Hour {
		t.Errorf("list: got %+v, %v; want the one schedule %s", list, err, id)
	}
	if err := client.UnscheduleRefresh(ctx, "nope"); err == nil {
		t.Error("unschedule unknown: got nil error")
	}
}

func TestTick(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sc := tasks.RefreshSchedule{ID: "user:u:connection:c", UserID: "u", ConnectionID: "c", Interval: time.Hour, CreatedAt: created}
	tests := []struct {
		at   time.Time
		want int64
	}{
		{created.Add(-time.Minute), 0},
		{created, 0},
		{created.Add(59 * time.Minute), 0},
		{created.Add(time.Hour), 1},
		{created.Add(25*time.Hour + time.Second), 25},
	}
	for _, tt := range tests {
		if got := Tick(sc, tt.at); got != tt.want {
			t.Errorf("Tick(created%+v) = %d, want %d", tt.at.Sub(created), got, tt.want)
		}
	}
	if got, want := TickTaskID(sc, 3), "schedule:user:u:connection:c:1767323045000:3"; got != want {
		t.Errorf("TickTaskID = %q, want %q", got, want)
	}
}

// A process started in the middle of a tick that another process already
// enqueued does not enqueue it again.
func TestRun_restartMidTick(t *testing.T) {
	ns, queue, rdb := setup(t)
	conn := testredis.ConnOpt()
	client := tasks.NewClient(rdb, nil, tasks.WithNamespace(ns), tasks.WithDefaultQueue(queue), tasks.WithMinRefreshInterval(time.Second))
	ctx := context.Background()
	id, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: "u1", Interval: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := client.RefreshSchedule(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspector(conn)
	defer insp.Close()
	run := func(until time.Time) {
		ctx, cancel := context.WithDeadline(ctx, until)
		defer cancel()
		if err := Run(ctx, Options{Redis: rdb, Namespace: ns, SyncInterval: 100 * time.Millisecond}); err != nil {
			t.Error(err)
		}
	}
	run(sc.CreatedAt.Add(4500 * time.Millisecond)) // tick 1 enqueued
	if n := refreshes(t, insp, queue); n != 1 {
		t.Fatalf("first process: %d refreshes in tick 1, want 1", n)
	}
	run(sc.CreatedAt.Add(6 * time.Second)) // a new process, still in tick 1
	if n := refreshes(t, insp, queue); n != 1 {
		t.Errorf("after a restart in tick 1: %d refreshes, want still 1", n)
	}
}
