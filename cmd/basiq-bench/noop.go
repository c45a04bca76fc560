package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// taskNoop is the yardstick's task type.
const taskNoop = "bench:noop"

// runNoop is the yardstick: asynq alone, a child process serving -n no-op
// tasks at the worker's concurrency from the same Redis, enqueued as ours
// are (8 goroutines, asynq's default retention of none). Its tasks/s is the
// most asynq does here with nothing else to do; ours needs several asynq
// tasks per connection (asynqTasksProcessed).
func runNoop(ctx context.Context, o options, stderr io.Writer) (*Run, error) {
	e := newEnv(o, modeNoop, o.n)
	closeRedis, err := e.connectRedis(ctx)
	if err != nil {
		return nil, err
	}
	defer closeRedis()
	defer e.cleanup(stderr)
	before, err := commandStats(ctx, e.rdb)
	if err != nil {
		return nil, err
	}
	waitLazyFree(ctx, e.rdb)
	redisCPU0, benchCPU0, mem0 := redisCPU(ctx, e.rdb), selfCPU(), redisMemory(ctx, e.rdb)
	if err := e.startChildren(ctx); err != nil {
		e.stopChildren()
		return nil, err
	}
	defer e.stopChildren()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	smp := startSampler(ctx, e.rdb, mem0, o.sampleEvery, e.pids)
	cl := asynq.NewClientFromRedisClient(e.rdb)
	start := time.Now()
	err = parallel(ctx, e.n, 8, func(ctx context.Context, i int) error {
		_, err := cl.EnqueueContext(ctx, asynq.NewTask(taskNoop, nil), asynq.Queue(e.id))
		return err
	})
	if err != nil {
		smp.stop()
		return nil, fmt.Errorf("noop enqueue: %w", err)
	}
	enqueued := time.Since(start)
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	var last time.Time
	for {
		info, err := insp.GetQueueInfo(e.id)
		if err != nil {
			smp.stop()
			return nil, fmt.Errorf("noop: %w", err)
		}
		if info.Processed >= e.n {
			last = time.Now()
			break
		}
		select {
		case <-ctx.Done():
			smp.stop()
			return nil, fmt.Errorf("noop: %d of %d tasks processed: %w", info.Processed, e.n, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	peaks := smp.stop()
	r := &Run{Mode: modeNoop, N: e.n, ID: e.id, WorkerProcs: o.workers, Concurrency: o.concurrency}
	r.MakespanS, r.EnqueueS = last.Sub(start).Seconds(), enqueued.Seconds()
	r.ResultsPerS = float64(e.n) / r.MakespanS
	r.Workers = e.childFigures()
	for _, w := range r.Workers {
		r.PeakRSSMB = max(r.PeakRSSMB, w.PeakRSSMB)
		r.CPUSeconds += w.CPUSeconds
	}
	r.RedisCPUSeconds, r.BenchCPUSeconds = redisCPU(ctx, e.rdb)-redisCPU0, selfCPU()-benchCPU0
	r.RedisPeakMemoryDeltaMB = peaks.redisMB
	after, err := commandStats(ctx, e.rdb)
	if err != nil {
		return nil, err
	}
	r.costs(basiqtest.Stats{}, diffStats(before, after))
	r.TasksProcessed = e.n
	return r, nil
}

// runNoopChild serves the yardstick's no-op tasks until ctx is done.
func runNoopChild(ctx context.Context, o options, rdb *redis.Client, queues map[string]int, stdout io.Writer) error {
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: o.concurrency, Queues: queues, TaskCheckInterval: o.taskCheck, LogLevel: asynq.WarnLevel,
		ShutdownTimeout: 2 * time.Second,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(taskNoop, func(context.Context, *asynq.Task) error { return nil })
	if err := srv.Start(mux); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ready")
	<-ctx.Done()
	srv.Shutdown()
	return nil
}

func (r *Run) noopTable(w io.Writer) {
	fmt.Fprintf(w, "== %s: %d no-op asynq tasks, %d process(es) x concurrency %d\n", r.Label, r.N, r.WorkerProcs, r.Concurrency)
	fmt.Fprintf(w, "makespan %.2f s (enqueue %.2f s)  %.0f tasks/s  redis commands/task %.1f\n", r.MakespanS, r.EnqueueS, r.ResultsPerS, r.RedisCmdsPerJob)
	fmt.Fprintf(w, "CPU: asynq server %.2f s (%.2f cores), redis-server %.2f s (%.2f cores), basiq-bench (enqueuer) %.2f s (%.2f cores); peak RSS %.1f MB\n",
		r.CPUSeconds, r.CPUSeconds/r.MakespanS, r.RedisCPUSeconds, r.RedisCPUSeconds/r.MakespanS, r.BenchCPUSeconds, r.BenchCPUSeconds/r.MakespanS, r.PeakRSSMB)
}
