package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/internal/app"
	"github.com/basiq-worker/basiq-worker/internal/basiqclient"
	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Environment of a worker child: secrets stay out of the process list.
const (
	envKeyring = "BASIQ_BENCH_KEYRING"
	envAPIKey  = "BASIQ_BENCH_API_KEY"
)

// runChild is a worker process: the real one (internal/app, as basiq-worker) or the blocking baseline. It
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
	// Handlers plus asynq's own loops, at most 256: a blocking baseline of
	// 10,000 slots holds each for seconds between short Redis calls, and
	// Redis accepts 10,000 clients in all (maxclients).
	ropt.PoolSize = min(2*conc+16, 256)
	ropt.PoolTimeout = 30 * time.Second
	// Buffers as cmd/basiq-worker's (config.RedisBufferSize), in both modes.
	ropt.ReadBufferSize, ropt.WriteBufferSize = config.RedisBufferSize, config.RedisBufferSize
	ropt.PipelineReadBufferSize, ropt.PipelineWriteBufferSize = config.RedisBufferSize, config.RedisBufferSize
	rdb := redis.NewClient(ropt)
	defer rdb.Close()
	if o.childMode == modeNoop {
		return runNoopChild(ctx, o, rdb, map[string]int{o.childQueue: 1}, stdout)
	}
	keyring, err := tasks.ParseKeyring(getenv(envKeyring))
	if err != nil {
		return err
	}
	queues := map[string]int{o.childQueue: 1}
	cfg := worker.DefaultConfig()
	cfg.Namespace, cfg.Keyring = o.childNS, keyring
	// The bench creates connections with credentials: API 2.0.
	cfg.APIKey, cfg.BaseURL, cfg.APIVersion = getenv(envAPIKey), o.childBasiqURL, "2.0"
	cfg.IdleConnsPerHost, cfg.RateLimit = o.idlePerHost, worker.RateLimit{Rate: o.faults.limit, Burst: o.faults.burst}
	if o.childMode == modeBlocking {
		return runBlockingChild(ctx, o, rdb, cfg, queues, stdout)
	}
	cfg.Concurrency, cfg.Dequeuers, cfg.Queues, cfg.Policy = conc, o.dequeuers, queues, o.policy
	cfg.FollowBehind = o.followBehind
	if cfg.FollowBehind == 0 {
		cfg.FollowBehind = -1 // -follow-behind 0: never wait (worker.Config's zero is the default)
	}
	cfg.DelayedTaskCheckInterval, cfg.TaskCheckInterval = o.delayedCheck, o.taskCheck
	p, err := app.New(app.Options{Redis: rdb, Worker: cfg, Logger: childLogger(o)}) // wired as cmd/basiq-worker
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ready")
	return p.Run(ctx)
}

// runBlockingChild serves the blocking baseline handler until ctx is done,
// on a Basiq client built as worker.New builds the worker's from cfg.
func runBlockingChild(ctx context.Context, o options, rdb *redis.Client, cfg worker.Config, queues map[string]int,
	stdout io.Writer) error {
	keyring := cfg.Keyring
	c, err := basiqclient.New(basiqclient.Options{APIKey: cfg.APIKey, BaseURL: cfg.BaseURL, APIVersion: cfg.APIVersion,
		Redis: rdb, Namespace: cfg.Namespace, Keyring: keyring, Concurrency: o.concurrency,
		IdleConnsPerHost: cfg.IdleConnsPerHost, RateLimit: ratelimit.Limit(cfg.RateLimit)})
	if err != nil {
		return err
	}
	basiq, conc := worker.NewBasiq(c), o.concurrency
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: conc, Queues: queues, TaskCheckInterval: o.taskCheck, LogLevel: asynq.WarnLevel,
		ShutdownTimeout: 2 * time.Second,
	})
	h := &blockingHandler{basiq: basiq, keyring: keyring, interval: o.blockInterval,
		pub: results.NewPublisher(rdb, results.WithNamespace(o.childNS))}
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
