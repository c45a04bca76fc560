package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// collector gathers one result per task from the results stream.
type collector struct {
	n       int
	results map[string]*tasks.Result
	seenAt  map[string]time.Time
	last    time.Time
}

func newCollector(n int) *collector {
	return &collector{n: n, results: make(map[string]*tasks.Result, n), seenAt: make(map[string]time.Time, n)}
}

// follow reads the run's results stream from its start until n distinct tasks have a result.
func (c *collector) follow(ctx context.Context, sub *tasks.Client, done *atomic.Int64) error {
	for ev, err := range sub.Results(ctx, "0") {
		if err != nil {
			return err
		}
		if ev.Type != tasks.EventResult || ev.Result == nil {
			continue
		}
		if _, dup := c.results[ev.Result.TaskID]; dup {
			continue
		}
		now := time.Now()
		c.results[ev.Result.TaskID], c.seenAt[ev.Result.TaskID], c.last = ev.Result, now, now
		if done.Add(1) == int64(c.n) {
			return nil
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("results stream ended")
}
