package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

// runQueues are the asynq queues of the run: its own queue and any named
// after it (a queue of polls beside it).
func (e *env) runQueues(insp *asynq.Inspector) []string {
	qs, err := insp.Queues()
	if err != nil {
		return []string{e.id}
	}
	var mine []string
	for _, q := range qs {
		if q == e.id || strings.HasPrefix(q, e.id+":") || strings.HasPrefix(q, e.id+"-") {
			mine = append(mine, q)
		}
	}
	return mine
}

// tasksProcessed is the number of asynq tasks the run's queues processed
// today (asynq counts per day; a run across midnight UTC undercounts).
//
// A handler publishes its result before asynq marks its task done, so the
// last tasks may still be active when the last result is in: it waits up
// to 10 s for no task to be active in the run's queues, then counts.
func (e *env) tasksProcessed() int {
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	qs := e.runQueues(insp)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		active := 0
		for _, q := range qs {
			if info, err := insp.GetQueueInfo(q); err == nil {
				active += info.Active
			}
		}
		if active == 0 {
			break
		}
	}
	n := 0
	for _, q := range qs {
		if info, err := insp.GetQueueInfo(q); err == nil {
			n += info.Processed
		}
	}
	return n
}

// cleanup deletes the run's queues through asynq's Inspector, never asynq's
// keys directly: each queue's completed tasks (kept for the results'
// retention), then the queue with every task left in it. DeleteQueue refuses
// a queue with active tasks: the workers are stopped by then, so it only
// retries for up to 10 s (a worker that had to be SIGKILLed leaves its
// tasks active until a server's lease recovery, and the queue is reported). Then it
// deletes the keys of the run's namespace. asynq's processed and failed
// counters of the queue stay: asynq has no API to delete them.
func (e *env) cleanup(stderr io.Writer) {
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	for _, q := range e.runQueues(insp) {
		var err error
		for try := 0; try < 100; try++ {
			_, errCompleted := insp.DeleteAllCompletedTasks(q)
			err = insp.DeleteQueue(q, true)
			if errors.Is(err, asynq.ErrQueueNotFound) {
				err = nil // nothing was enqueued
			}
			if err = errors.Join(errCompleted, err); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			fmt.Fprintf(stderr, "basiq-bench: delete queue %s: %v\n", q, err)
		}
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
