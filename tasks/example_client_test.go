package tasks_test

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// An application goes from nothing to a connection's result in three steps
// (API 1.0-2.x, where a connection is created from the user's bank login)
// on its one Redis handle: a Client, an enqueue, a wait. The Client seals
// the credentials before they reach Redis. Here the worker (started by
// runWorker below) runs on an embedded Redis against the fake Basiq server.
func ExampleClient() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keyring, err := tasks.ParseKeyring("k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		panic(err)
	}
	rdb, userID, stop := runWorker(ctx, keyring)
	defer stop()

	c := tasks.NewClient(rdb, keyring)
	id, err := c.CreateConnection(ctx, tasks.CreateConnection{
		UserID:        userID,
		InstitutionID: "AU00000",
		Credentials:   tasks.Credentials{LoginID: "gavinBelson", Password: "hooli2016"},
	}, tasks.Enqueue{IdempotencyKey: "signup-42"})
	if err != nil {
		panic(err)
	}
	res, err := c.Wait(ctx, id)
	if err != nil {
		panic(err)
	}
	fmt.Println(id, res.Outcome, len(res.Accounts), "accounts")
	// Output:
	// connection:create:signup-42 completed 2 accounts
}

// runWorker starts an embedded Redis, a fake Basiq server with one user and
// a worker, as basiq-dev does, and returns the application's Redis handle,
// the user's id and a function that stops them all.
func runWorker(ctx context.Context, keyring *tasks.Keyring) (redis.UniversalClient, string, func()) {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	srv := basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: 10 * time.Millisecond, Accounts: 10 * time.Millisecond, Transactions: 10 * time.Millisecond}))
	api, err := sdk.New("example-key", sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("2.0"))
	if err != nil {
		panic(err)
	}
	user, err := api.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	if err != nil {
		panic(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	cfg := worker.DefaultConfig()
	cfg.Redis, cfg.Keyring = rdb, keyring
	cfg.APIKey, cfg.BaseURL = "example-key", srv.URL
	cfg.APIVersion = "2.0" // credentials creates are API 1.0-2.x; 3.0 follows the Consent UI's jobs
	cfg.Policy.Initial, cfg.DelayedTaskCheckInterval, cfg.Logger = 50*time.Millisecond, 50*time.Millisecond, zerolog.Nop()
	w, err := worker.New(cfg)
	if err != nil {
		panic(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	return rdb, user.ID, func() {
		cancel()
		<-done
		rdb.Close()
		srv.Close()
		mr.Close()
	}
}
