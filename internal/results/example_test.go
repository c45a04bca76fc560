package results_test

import (
	"context"
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// Publishing is once per event id: the second Publish of the same job's
// result stores nothing. Apps read the stream with tasks.Client.
func ExamplePublisher_Publish() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	pub := results.NewPublisher(rdb)
	first, _ := pub.Publish(ctx, results.NewResultEvent(tasks.Result{Outcome: tasks.OutcomeFailed, TaskID: "t1", JobID: "j1"}))
	again, _ := pub.Publish(ctx, results.NewResultEvent(tasks.Result{Outcome: tasks.OutcomeFailed, TaskID: "t1", JobID: "j1"}))
	fmt.Println("published:", first, again)

	events, err := tasks.NewClient(rdb, nil).ReadResults(ctx, "0", 100, 0)
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println(e.ID, e.Result.Outcome)
	}
	// Output:
	// published: true false
	// result:j1 failed
}
