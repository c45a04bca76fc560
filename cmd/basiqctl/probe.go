package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/hibiken/asynq"
)

// taskProbe looks at a task and at the workers through asynq's Inspector,
// so that wait and mfa can tell at once when nothing will ever answer.
type taskProbe struct {
	insp *asynq.Inspector
	// grace is how long a queue may stay without a running worker before
	// the task is declared stuck (a worker restarting leaves a short gap);
	// 0 never declares it.
	grace         time.Duration
	unservedSince time.Time
	now           func() time.Time
	// started, when set, reports whether a worker has started a task that
	// asynq no longer holds (worker.TaskStarted).
	started func(ctx context.Context, taskID string) (bool, error)
}

func newTaskProbe(insp *asynq.Inspector, grace time.Duration) *taskProbe {
	return &taskProbe{insp: insp, grace: grace, now: time.Now}
}

// find returns the task with this id in whichever queue holds it, or nil.
func (p *taskProbe) find(id string) (*asynq.TaskInfo, error) {
	queues, err := p.insp.Queues()
	if err != nil {
		return nil, fmt.Errorf("look up task %s: %w", id, err)
	}
	for _, q := range queues {
		info, err := p.insp.GetTaskInfo(q, id)
		switch {
		case err == nil:
			return info, nil
		case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
			continue
		}
		return nil, fmt.Errorf("look up task %s in queue %s: %w", id, q, err)
	}
	return nil, nil
}

// waiting reports whether the task still waits for a worker to take it.
func waiting(info *asynq.TaskInfo) bool {
	switch info.State {
	case asynq.TaskStatePending, asynq.TaskStateScheduled, asynq.TaskStateRetry, asynq.TaskStateAggregating:
		return true
	}
	return false
}

// stuck returns why a waiting task will not be taken by any worker, once
// that has lasted grace, or nil.
func (p *taskProbe) stuck(info *asynq.TaskInfo) error {
	if p.grace <= 0 || !waiting(info) {
		p.unservedSince = time.Time{}
		return nil
	}
	why, err := p.unserved(info.Queue)
	if err != nil || why == "" {
		p.unservedSince = time.Time{}
		return err
	}
	now := p.now()
	if p.unservedSince.IsZero() {
		p.unservedSince = now
	}
	if now.Sub(p.unservedSince) < p.grace {
		return nil
	}
	return fmt.Errorf("task %s is %s in queue %q, but %s", info.ID, info.State, info.Queue, why)
}

// unserved returns why no running worker takes tasks of queue q, or "".
func (p *taskProbe) unserved(q string) (string, error) {
	servers, err := p.insp.Servers()
	if err != nil {
		return "", fmt.Errorf("list workers: %w", err)
	}
	served := map[string]bool{}
	for _, s := range servers {
		if s.Status != "active" {
			continue
		}
		for name := range s.Queues {
			served[name] = true
		}
	}
	if !served[q] {
		if len(served) == 0 {
			return "no worker is running", nil
		}
		return fmt.Sprintf("no running worker serves it (running workers serve %s)", strings.Join(sortedKeys(served), ", ")), nil
	}
	info, err := p.insp.GetQueueInfo(q)
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", q, err)
	}
	if info.Paused {
		return "the queue is paused (asynq web UI or Inspector.UnpauseQueue resumes it)", nil
	}
	return "", nil
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// noResultOf reports an error when info's type never publishes a result.
func noResultOf(info *asynq.TaskInfo) error {
	if !worker.NoResult(info.Type) {
		return nil
	}
	return fmt.Errorf("task %s is a %s task, which publishes no result; wait on the id that create, update, refresh or refresh-all printed",
		info.ID, info.Type)
}

// waitCheckEvery is how often wait looks at its task.
const waitCheckEvery = time.Second

// watchWait looks at task id until it finds that no result will come (the
// reason), or that the task ran, or ctx ends (nil).
func watchWait(ctx context.Context, p *taskProbe, sub *tasks.Client, id string) error {
	tick := time.NewTicker(waitCheckEvery)
	defer tick.Stop()
	for {
		done, err := p.waitVerdict(ctx, sub, id)
		if done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// waitVerdict looks at task id once: done when there is nothing more to
// learn, with the reason when no result will ever come.
func (p *taskProbe) waitVerdict(ctx context.Context, sub *tasks.Client, id string) (done bool, err error) {
	info, err := p.find(id)
	if err != nil {
		return true, err
	}
	if info != nil {
		if err := noResultOf(info); err != nil {
			return true, err
		}
	}
	if info == nil || info.State == asynq.TaskStateArchived {
		// A task that ended may have published its result in between.
		r, err := sub.Result(ctx, id)
		switch {
		case err != nil || r != nil:
			return true, err
		case info == nil:
			return true, p.unknown(ctx, id)
		}
		return true, fmt.Errorf("task %s was archived without a result: %s", id, workerReason(info.LastErr))
	}
	if info.State == asynq.TaskStateCompleted {
		return true, nil
	}
	return false, p.stuck(info)
}

// unknown returns the error of an id that asynq does not hold and that has
// no result, unless a worker started it (enqueued without retention, its
// job still followed).
func (p *taskProbe) unknown(ctx context.Context, id string) error {
	if p.started != nil {
		if ok, err := p.started(ctx, id); err != nil || ok {
			return err
		}
	}
	return fmt.Errorf("unknown task %s: no task with this id in any queue and no stored result (mistyped, or older than the retention)", id)
}
