package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/basiq-worker/basiq-worker/worker/metrics"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Environment of a worker child: secrets stay out of the process list.
const (
	envKeyring = "BASIQ_BENCH_KEYRING"
	envAPIKey  = "BASIQ_BENCH_API_KEY"
)

// runChild is a worker process: the real worker (worker.New) or the blocking baseline. It
// prints "ready" once built and runs until ctx is done.
func runChild(ctx context.Context, o options, getenv func(string) string, stdout io.Writer) error {
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	conc := o.concurrency
	ropt, err := redis.ParseURL(o.redisURL)
	if err != nil {
		return fmt.Errorf("redis url: %w", err)
	}
	ropt.PoolSize = 2*conc + 16 // handlers plus asynq's own loops
	rdb := redis.NewClient(ropt)
	defer rdb.Close()
	keyring, err := tasks.ParseKeyring(getenv(envKeyring))
	if err != nil {
		return err
	}
	m := metrics.New(prometheus.NewRegistry())
	c, err := worker.NewClient(worker.ClientOptions{ // wired as cmd/basiq-worker
		APIKey: getenv(envAPIKey), BaseURL: o.childBasiqURL, Redis: rdb, Namespace: o.childNS, Keyring: keyring,
		Concurrency: conc, IdleConnsPerHost: o.idlePerHost, Observer: m, WrapTransport: m.Transport,
	})
	if err != nil {
		return err
	}
	queues, basiq := map[string]int{o.childQueue: 1}, worker.NewBasiq(c)
	if o.childMode == modeBlocking {
		return runBlockingChild(ctx, o, rdb, conc, queues, basiq, keyring, stdout)
	}
	cfg := worker.DefaultConfig()
	cfg.Redis, cfg.Namespace, cfg.Basiq, cfg.Keyring = rdb, o.childNS, basiq, keyring
	cfg.Concurrency, cfg.Queues, cfg.Policy = conc, queues, o.policy
	cfg.DelayedTaskCheckInterval, cfg.TaskCheckInterval = o.delayedCheck, o.taskCheck
	cfg.Logger, cfg.Observer = childLogger(o), m
	w, err := worker.New(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ready")
	return w.Run(ctx)
}

// runBlockingChild serves the blocking baseline handler until ctx is done.
func runBlockingChild(ctx context.Context, o options, rdb *redis.Client, conc int, queues map[string]int,
	basiq worker.Basiq, keyring *tasks.Keyring, stdout io.Writer) error {
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: conc, Queues: queues, TaskCheckInterval: o.taskCheck, LogLevel: asynq.WarnLevel,
		ShutdownTimeout: 2 * time.Second,
	})
	h := &blockingHandler{basiq: basiq, keyring: keyring, interval: o.blockInterval,
		pub: tasks.NewPublisher(rdb, tasks.WithNamespace(o.childNS))}
	mux := asynq.NewServeMux()
	mux.Handle(tasks.TypeCreateConnection, h)
	if err := srv.Start(mux); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ready")
	<-ctx.Done()
	srv.Shutdown()
	return nil
}

// childLogger is the worker's logger: none by default, or JSON at info level written to
// io.Discard with -worker-log, to measure what logging costs.
func childLogger(o options) zerolog.Logger {
	if !o.workerLog {
		return zerolog.Nop()
	}
	return zerolog.New(io.Discard).Level(zerolog.InfoLevel).With().Timestamp().Logger()
}
