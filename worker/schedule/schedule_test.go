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
		if strings.Contains(err.Error(), "not found") {
			return 0
		}
		t.Fatal(err)
	}
	return info.Size
}

func TestRun_twoManagersEnqueueOncePerTick(t *testing.T) {
	ns, queue, rdb := setup(t)
	conn := testredis.ConnOpt()
	client := tasks.NewClient(conn, nil, tasks.WithNamespace(ns), tasks.WithDefaultQueue(queue), tasks.WithMinRefreshInterval(time.Second))
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	id, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: "u1", ConnectionID: "c1", Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for range 2 {
		go func() {
			done <- Run(ctx, Options{RedisConnOpt: conn, Redis: rdb, Namespace: ns, SyncInterval: 200 * time.Millisecond})
		}()
	}
	insp := asynq.NewInspector(conn)
	defer insp.Close()
	start := time.Now()
	time.Sleep(3500 * time.Millisecond)
	n := refreshes(t, insp, queue)
	ticks := int(time.Since(start) / time.Second)
	t.Logf("%d refreshes in %d ticks", n, ticks)
	if n < ticks-1 || n > ticks+1 {
		t.Errorf("two managers over %d ticks enqueued %d refreshes, want about one per tick", ticks, n)
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
	ns, _, _ := setup(t)
	client := tasks.NewClient(testredis.ConnOpt(), nil, tasks.WithNamespace(ns))
	defer client.Close()
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

func TestParseID(t *testing.T) {
	base := baseID(90*time.Second, "user:a@b.c:connection:x")
	for _, s := range []string{base, base + tickSep + "1700000000000"} {
		iv, id, ok := parseID(s)
		if !ok || iv != 90*time.Second || id != "user:a@b.c:connection:x" {
			t.Errorf("parseID(%q) = %s, %q, %v", s, iv, id, ok)
		}
	}
}
