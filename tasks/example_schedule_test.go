package tasks_test

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// An application registers a user's connections for a refresh every six
// hours; workers running package worker/schedule enqueue the refreshes.
func ExampleClient_ScheduleRefresh() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	client := tasks.NewClient(rdb, nil)

	id, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: "user-1", Interval: 6 * time.Hour})
	if err != nil {
		panic(err)
	}
	fmt.Println("scheduled", id)

	list, err := client.ListRefreshSchedules(ctx)
	if err != nil {
		panic(err)
	}
	for _, s := range list {
		fmt.Println(s.ID, s.Interval)
	}
	if err := client.UnscheduleRefresh(ctx, id); err != nil {
		panic(err)
	}
	// Output:
	// scheduled user:user-1
	// user:user-1 6h0m0s
}
