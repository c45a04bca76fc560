package tasks_test

import (
	"context"
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// Following every result from the start of the stream, resuming by StreamID.
func ExampleSubscriber_Read() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	pub := tasks.NewPublisher(rdb)
	first, _ := pub.Publish(ctx, tasks.NewResultEvent(tasks.Result{Outcome: tasks.OutcomeFailed, TaskID: "t1", JobID: "j1"}))
	again, _ := pub.Publish(ctx, tasks.NewResultEvent(tasks.Result{Outcome: tasks.OutcomeFailed, TaskID: "t1", JobID: "j1"}))
	fmt.Println("published:", first, again)

	after := "0"
	events, err := tasks.NewSubscriber(rdb).Read(ctx, after, 100, 0)
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println(e.ID, e.Result.Outcome)
		after = e.StreamID // persist this to resume later
	}
	// Output:
	// published: true false
	// result:j1 failed
}
