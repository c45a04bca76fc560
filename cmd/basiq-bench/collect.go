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
		if !c.add(ev.Result, time.Now()) {
			continue
		}
		if done.Add(1) == int64(c.n) {
			return nil
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("results stream ended")
}

// add records r, seen at at, when its task has no result yet, and reports whether it did.
func (c *collector) add(r *tasks.Result, at time.Time) bool {
	if _, dup := c.results[r.TaskID]; dup {
		return false
	}
	c.results[r.TaskID], c.seenAt[r.TaskID] = r, at
	if at.After(c.last) {
		c.last = at
	}
	return true
}
