package worker_test

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Embedding the worker, as cmd/basiq-worker does: one Redis client for
// everything, DefaultConfig with what this process needs (New builds the
// Basiq client from the API key: no retries of its own, the token shared
// through Redis and sealed with the keyring), then Run until SIGTERM.
func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	keyring, err := tasks.ParseKeyring(os.Getenv("BASIQ_SECRET_KEY"))
	if err != nil {
		panic(err)
	}
	cfg := worker.DefaultConfig()
	cfg.Redis, cfg.Keyring = rdb, keyring
	cfg.APIKey = os.Getenv("BASIQ_API_KEY") // BaseURL: https://au-api.basiq.io, APIVersion: 3.0
	cfg.Logger = zerolog.New(os.Stdout).With().Timestamp().Logger()
	w, err := worker.New(cfg)
	if err != nil {
		panic(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := w.Run(ctx); err != nil { // blocks until a signal, then shuts down gracefully
		panic(err)
	}
}
