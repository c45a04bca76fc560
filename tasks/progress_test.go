package tasks_test

import (
	"context"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/tasks"
)

func TestClient_Follow(t *testing.T) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	pub, sub := results.NewPublisher(rdb, results.WithNamespace(ns)), tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type got struct {
		typ   string
		polls int
	}
	events := make(chan got, 10)
	errc := make(chan error, 1)
	go func() {
		for e, err := range sub.Follow(ctx, "task-1") {
			if err != nil {
				errc <- err
				return
			}
			g := got{typ: e.Type}
			if e.Progress != nil {
				g.polls = e.Progress.Polls
			}
			events <- g
		}
		close(events)
		errc <- nil
	}()
	// Progress is live only: keep publishing until the follower sees one.
	step := tasks.StepObservation{Title: "verify-credentials", Status: "in-progress", ObservedAt: time.Now()}
	var seen []got
	for len(seen) == 0 {
		if err := pub.Progress(ctx, tasks.Progress{TaskID: "other", JobID: "j0", UserID: "u"}); err != nil {
			t.Fatal(err)
		}
		if err := pub.Progress(ctx, tasks.Progress{TaskID: "task-1", JobID: "j1", UserID: "u", Steps: []tasks.StepObservation{step}, Polls: 1}); err != nil {
			t.Fatal(err)
		}
		select {
		case g := <-events:
			seen = append(seen, g)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if _, err := pub.Publish(ctx, results.NewResultEvent(tasks.Result{Outcome: tasks.OutcomeCompleted, TaskID: "task-1", JobID: "j1", UserID: "u"})); err != nil {
		t.Fatal(err)
	}
	for g := range events {
		seen = append(seen, g)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	last := seen[len(seen)-1]
	if last.typ != tasks.EventResult {
		t.Errorf("last event: got %q, want %q", last.typ, tasks.EventResult)
	}
	for _, g := range seen[:len(seen)-1] {
		if g.typ != tasks.EventProgress || g.polls != 1 {
			t.Errorf("event before the result: got %+v, want progress of task-1", g)
		}
	}
}

func TestClient_Follow_alreadyPublished(t *testing.T) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	pub, sub := results.NewPublisher(rdb, results.WithNamespace(ns)), tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	ctx := context.Background()
	if _, err := pub.Publish(ctx, results.NewResultEvent(tasks.Result{Outcome: tasks.OutcomeFailed, TaskID: "t", UserID: "u"})); err != nil {
		t.Fatal(err)
	}
	n := 0
	for e, err := range sub.Follow(ctx, "t") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if e.Type != tasks.EventResult || e.Result.Outcome != tasks.OutcomeFailed {
			t.Errorf("got %+v, want the failed result", e)
		}
	}
	if n != 1 {
		t.Errorf("got %d events, want 1", n)
	}
}

func TestClient_Follow_timeout(t *testing.T) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	sub := tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for _, err := range sub.Follow(ctx, "never") {
		if err == nil {
			t.Fatal("got an event, want the context's error")
		}
		return
	}
	t.Fatal("Follow ended without an error")
}

// TestClient_Progress: the latest progress of a task is stored where the
// live event goes out, with the result's retention, and read back by
// Client.Progress; other tasks' progress does not mix in.
func TestClient_Progress(t *testing.T) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	const ttl = time.Hour
	pub := results.NewPublisher(rdb, results.WithNamespace(ns), results.WithResultTTL(ttl))
	c := tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	ctx := context.Background()
	if p, err := c.Progress(ctx, "task-p"); p != nil || err != nil {
		t.Fatalf("Progress before any = %+v, %v; want nil, nil", p, err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	first := tasks.StepObservation{Title: "verify-credentials", Status: "success", ObservedAt: now}
	second := tasks.StepObservation{Title: "retrieve-accounts", Status: "in-progress", ObservedAt: now.Add(time.Second)}
	for _, p := range []tasks.Progress{
		{TaskID: "task-p", JobID: "j-p", UserID: "u-1", ConnectionID: "c-1", Steps: []tasks.StepObservation{first}, Polls: 2},
		{TaskID: "task-p", JobID: "j-p", UserID: "u-1", ConnectionID: "c-1", Steps: []tasks.StepObservation{first, second}, Polls: 4},
		{TaskID: "task-other", JobID: "j-o", UserID: "u-2", Polls: 9},
	} {
		if err := pub.Progress(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.Progress(ctx, "task-p")
	if err != nil || got == nil {
		t.Fatalf("Progress = %+v, %v", got, err)
	}
	if got.Polls != 4 || got.JobID != "j-p" || got.UserID != "u-1" || got.ConnectionID != "c-1" || len(got.Steps) != 2 ||
		got.Steps[1].Title != "retrieve-accounts" || !got.Steps[0].ObservedAt.Equal(now) || got.V == 0 {
		t.Errorf("Progress = %+v, want the latest (4 polls, two steps, v set)", got)
	}
	key := "{" + ns + "}:progress:task-p"
	if d, err := rdb.PTTL(ctx, key).Result(); err != nil || d <= ttl-time.Minute || d > ttl {
		t.Errorf("TTL of %s = %v, %v; want the result's retention %v", key, d, err, ttl)
	}
}
