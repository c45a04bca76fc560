package schedule_test

import (
	"context"
	"log"
	"os/signal"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/schedule"
	"github.com/redis/go-redis/v9"
)

// Run the refresh scheduler in a worker process. Every process may run it:
// each registered interval still enqueues one refresh.
func ExampleRun() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()

	// An application registers a user for a refresh every 6 hours (tasks.Client.ScheduleRefresh).
	client := tasks.NewClient(rdb, nil)
	if _, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: "u1", Interval: 6 * time.Hour}); err != nil {
		log.Fatal(err)
	}

	err := schedule.Run(ctx, schedule.Options{
		Redis:        rdb,
		SyncInterval: 30 * time.Second, // new, changed and removed schedules take effect within this
	})
	if err != nil {
		log.Fatal(err)
	}
}
