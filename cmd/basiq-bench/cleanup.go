package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hibiken/asynq"
)

// cleanup deletes the run's queue through asynq's Inspector (its completed
// tasks, kept for the results' retention, then the queue and every task
// left in it) and the keys of the run's namespace. asynq's processed and
// failed counters of the queue stay: asynq has no API to delete them.
func (e *env) cleanup(stderr io.Writer) {
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	_, errCompleted := insp.DeleteAllCompletedTasks(e.id)
	errQueue := insp.DeleteQueue(e.id, true)
	if errors.Is(errQueue, asynq.ErrQueueNotFound) {
		errQueue = nil // nothing was enqueued
	}
	if err := errors.Join(errCompleted, errQueue); err != nil {
		fmt.Fprintf(stderr, "basiq-bench: delete queue %s: %v\n", e.id, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := e.rdb.Scan(ctx, 0, "{"+e.id+"}:*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 500 {
			e.rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		e.rdb.Unlink(ctx, batch...)
	}
}
