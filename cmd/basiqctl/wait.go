package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/hibiken/asynq"
)

func runWait(ctx context.Context, e env, args []string) error {
	fs, asJSON := newFlags(e, "wait", "TASK_ID [--timeout 10m] [--unserved 5s]")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long (exit code 4); 0 waits forever")
	var grace time.Duration
	registerUnserved(fs, &grace)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("wait: want exactly one TASK_ID, got %d arguments", len(pos))
	}
	id := pos[0]
	c, err := loadConfig(e)
	if err != nil {
		return err
	}
	rdb := c.RedisClient()
	defer rdb.Close()
	sub := tasks.NewClient(rdb, nil, tasks.WithNamespace(c.RedisNamespace))
	insp := asynq.NewInspector(c.RedisConnOpt())
	defer insp.Close()
	probe := newTaskProbe(insp, grace)
	probe.started = func(ctx context.Context, id string) (bool, error) {
		return worker.TaskStarted(ctx, rdb, c.RedisNamespace, id)
	}
	tctx, cancelTimeout := contextWithTimeout(ctx, *timeout)
	defer cancelTimeout()
	wctx, cancel := context.WithCancelCause(tctx)
	var bg sync.WaitGroup
	defer bg.Wait()
	defer cancel(nil)
	bg.Go(func() {
		if err := watchWait(wctx, probe, sub, id); err != nil {
			cancel(err)
		}
	})
	view := newProgressView(e.stdout, *asJSON)
	bg.Go(func() { view.tick(wctx) })
	for ev, err := range sub.Follow(wctx, id) {
		if err != nil {
			view.end()
			return waitError(ctx, wctx, id, *timeout, err)
		}
		if err := view.show(ev); err != nil {
			return err
		}
		if ev.Type == tasks.EventResult {
			return outcomeExit(ev.Result)
		}
	}
	return nil
}

// waitError explains why following id stopped: what watchWait found, the
// --timeout (exit code 4), or err itself.
func waitError(ctx, wctx context.Context, id string, timeout time.Duration, err error) error {
	cause := context.Cause(wctx)
	switch {
	case ctx.Err() != nil:
		return err
	case errors.Is(cause, context.DeadlineExceeded):
		return exitError{exitWaitOver, fmt.Errorf("wait %s: no result after %s", id, timeout)}
	case cause != nil && !errors.Is(cause, context.Canceled):
		return fmt.Errorf("wait: %w", cause)
	}
	return err
}

// outcomeExit maps a result to the exit code of wait.
func outcomeExit(r *tasks.Result) error {
	switch r.Outcome {
	case tasks.OutcomeCompleted, tasks.OutcomeSkipped: // skipped: a scheduled refresh not due, no failure
		return nil
	case tasks.OutcomeTimedOut:
		return exitError{exitTimedOut, errors.New("")}
	}
	return exitError{exitFailed, errors.New("")}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
