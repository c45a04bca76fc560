package main

import (
	"context"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// sampler reads Redis used_memory and the workers' RSS while a run goes,
// for the peaks: what the jobs in flight hold, not only what is kept after.
type sampler struct {
	cancel func()
	wg     sync.WaitGroup
	mu     sync.Mutex
	p      peaks
}

// peaks are the highest samples: Redis memory above its level before the
// run, and the sum of the workers' RSS.
type peaks struct {
	redisMB float64
	rssMB   float64
	// Open files (sockets mostly) of this process (the fake Basiq server)
	// and of the workers: a blocking baseline holds one per slot.
	benchFDs, workerFDs int
}

func startSampler(ctx context.Context, rdb *redis.Client, mem0 int64, every time.Duration, pids func() []int) *sampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &sampler{cancel: cancel}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample(ctx, rdb, mem0, pids)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) sample(ctx context.Context, rdb *redis.Client, mem0 int64, pids func() []int) {
	mem := redisMemory(ctx, rdb)
	var rss float64
	fds := 0
	for _, pid := range pids() {
		_, r := procMemory(pid)
		rss += r
		fds += openFiles(strconv.Itoa(pid))
	}
	self := openFiles("self")
	s.mu.Lock()
	defer s.mu.Unlock()
	if mem > 0 {
		s.p.redisMB = max(s.p.redisMB, float64(mem-mem0)/(1<<20))
	}
	s.p.rssMB = max(s.p.rssMB, rss)
	s.p.benchFDs, s.p.workerFDs = max(s.p.benchFDs, self), max(s.p.workerFDs, fds)
}

// openFiles counts /proc/<pid>/fd.
func openFiles(pid string) int {
	es, err := os.ReadDir("/proc/" + pid + "/fd")
	if err != nil {
		return 0
	}
	return len(es)
}

// stop ends the sampling and returns the peaks.
func (s *sampler) stop() peaks {
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

// pids are the processes of the run: the worker children, or the node peer.
func (e *env) pids() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ps []int
	for _, c := range e.children {
		ps = append(ps, c.cmd.Process.Pid)
	}
	if e.node != nil && e.node.Process != nil {
		ps = append(ps, e.node.Process.Pid)
	}
	return ps
}
