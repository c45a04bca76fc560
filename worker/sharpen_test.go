package worker

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// recordRunner records RunTask calls.
type recordRunner struct {
	mu    sync.Mutex
	calls []string
	at    []time.Time
}

func (r *recordRunner) RunTask(queue, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, queue+"/"+id)
	r.at = append(r.at, time.Now())
	return nil
}

func (r *recordRunner) Close() error { return nil }

func (r *recordRunner) snapshot() ([]string, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...), append([]time.Time(nil), r.at...)
}

// A follow-up due between two whole seconds is scheduled at the next second
// (asynq's resolution) and made pending at its real due time, never before.
func TestEnqueueFollowUp_sharpensToDue(t *testing.T) {
	e := newTestEnv(t)
	r := &recordRunner{}
	e.h.runner = r
	// Pick a due time well inside a second, so the whole second is after it.
	now := time.Now()
	due := now.Truncate(time.Second).Add(1300 * time.Millisecond)
	if err := e.h.enqueueFollowUp(context.Background(), asynq.NewTask("job:poll", nil), "poll:j:2", "q", due); err != nil {
		t.Fatal(err)
	}
	if got, want := e.enq.at["poll:j:2"], dueAt(due, 0); !got.Equal(want) {
		t.Errorf("scheduled at %v, want the whole second %v", got, want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		calls, at := r.snapshot()
		if len(calls) > 0 {
			if len(calls) != 1 || calls[0] != "q/poll:j:2" {
				t.Fatalf("RunTask calls %v, want one for q/poll:j:2", calls)
			}
			if at[0].Before(due) {
				t.Errorf("RunTask at %v, before the due time %v", at[0], due)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("RunTask never called")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A follow-up due on a whole second needs no sharpening; a conflict (an
// earlier run scheduled it) sets no timer either.
func TestEnqueueFollowUp_noSharpen(t *testing.T) {
	e := newTestEnv(t)
	r := &recordRunner{}
	e.h.runner = r
	whole := time.Now().Truncate(time.Second).Add(time.Second)
	if err := e.h.enqueueFollowUp(context.Background(), asynq.NewTask("job:poll", nil), "poll:j:1", "q", whole); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(whole) + 100*time.Millisecond)
	if calls, _ := r.snapshot(); len(calls) != 0 {
		t.Errorf("RunTask calls %v for a whole-second due time, want none", calls)
	}
}
