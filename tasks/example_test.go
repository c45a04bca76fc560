package tasks_test

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// An application enqueues a connection with sealed credentials, then waits
// for its result. Here a goroutine stands in for the worker.
func ExampleClient_CreateConnection() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	ctx := context.Background()

	keyring, err := tasks.ParseKeyring("k1:" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		panic(err)
	}
	client := tasks.NewClient(asynq.RedisClientOpt{Addr: mr.Addr()}, keyring)
	defer client.Close()

	taskID, err := client.CreateConnection(ctx, tasks.CreateConnection{
		UserID:        "user-1",
		InstitutionID: "AU00000",
		Credentials:   tasks.Credentials{LoginID: "gavinBelson", Password: "hooli2016"},
	}, tasks.IdempotencyKey("signup-42"))
	if err != nil {
		panic(err)
	}
	fmt.Println("enqueued", taskID)

	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	go func() { // the worker, once the Basiq job has ended
		time.Sleep(50 * time.Millisecond)
		tasks.NewPublisher(rdb).Publish(ctx, tasks.NewResultEvent(tasks.Result{
			Outcome: tasks.OutcomeCompleted, TaskID: taskID, UserID: "user-1", JobID: "job-1",
			Kind: tasks.TypeCreateConnection, Accounts: []string{"acc-1", "acc-2"},
		}))
	}()

	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := tasks.NewSubscriber(rdb).Wait(waitCtx, taskID)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Outcome, res.Accounts)
	// Output:
	// enqueued connection:create:signup-42
	// completed [acc-1 acc-2]
}

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
