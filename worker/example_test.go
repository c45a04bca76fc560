package worker_test

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Embedding the worker: build the Basiq client with no retries of its own
// and the shared token store, then run until SIGTERM.
func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	keyring, err := tasks.ParseKeyring(os.Getenv("BASIQ_SECRET_KEY"))
	if err != nil {
		panic(err)
	}
	apiKey := os.Getenv("BASIQ_API_KEY")
	api, err := sdk.New(apiKey,
		sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}), // retries go through asynq
		sdk.WithTokenStore(worker.NewTokenStore(rdb, "basiq", apiKey)),
		sdk.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}))
	if err != nil {
		panic(err)
	}
	w, err := worker.New(worker.Config{
		RedisConnOpt: asynq.RedisClientOpt{Addr: "127.0.0.1:6379"},
		Redis:        rdb,
		Namespace:    "basiq",
		Basiq:        worker.NewBasiq(api),
		Keyring:      keyring,
		Concurrency:  20,
		Policy:       worker.DefaultPollPolicy(),
		Logger:       zerolog.New(os.Stdout).With().Timestamp().Logger(),
	})
	if err != nil {
		panic(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := w.Run(ctx); err != nil { // blocks until a signal, then shuts down gracefully
		panic(err)
	}
}
