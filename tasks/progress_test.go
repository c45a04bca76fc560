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

// TestClient_Follow_batch: the follower sends the progress events of a
// write-back as one message, a JSON array; Follow yields the task's own.
func TestClient_Follow_batch(t *testing.T) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	pub, sub := results.NewPublisher(rdb, results.WithNamespace(ns)), tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	events := make(chan tasks.Event, 10)
	go func() {
		defer close(events)
		for e, err := range sub.Follow(ctx, "task-b") {
			if err != nil {
				return
			}
			events <- e
		}
	}()
	var batch []byte
	for _, p := range []tasks.Progress{{TaskID: "other", JobID: "j0", UserID: "u", Polls: 7}, {TaskID: "task-b", JobID: "j1", UserID: "u", Polls: 2}} {
		b, err := results.EncodeProgress(p)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(append(batch, ','), b...)
	}
	batch[0] = '['
	batch = append(batch, ']')
	var first tasks.Event
	for first.Type == "" { // live only: send until the follower is subscribed
		if err := rdb.Publish(ctx, "{"+ns+"}:results:live", batch).Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case first = <-events:
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("no event from the batch")
		}
	}
	if first.Type != tasks.EventProgress || first.Progress.TaskID != "task-b" || first.Progress.Polls != 2 {
		t.Errorf("first event = %+v, want task-b's progress (2 polls)", first)
	}
	if _, err := pub.Publish(ctx, results.NewResultEvent(tasks.Result{Outcome: tasks.OutcomeCompleted, TaskID: "task-b", JobID: "j1", UserID: "u"})); err != nil {
		t.Fatal(err)
	}
	var last tasks.Event
	for e := range events {
		if e.Progress != nil && e.Progress.TaskID != "task-b" {
			t.Errorf("event of another task: %+v", e.Progress)
		}
		last = e
	}
	if last.Type != tasks.EventResult {
		t.Errorf("last event = %+v, want the result", last)
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
// live event goes out and read back by Client.Progress, then the result's
// steps once it is in; other tasks' progress does not mix in.
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
	// Once the job ended the worker removes the task's live field and the
	// result holds the last steps: Progress reads them there, for the
	// result's retention.
	third := tasks.StepObservation{Title: "retrieve-accounts", Status: "success", ObservedAt: now.Add(2 * time.Second)}
	res := tasks.Result{Outcome: tasks.OutcomeCompleted, TaskID: "task-p", JobID: "j-p", UserID: "u-1", ConnectionID: "c-1",
		Steps: []tasks.StepObservation{first, second, third}, Polls: 5}
	if _, err := pub.Publish(ctx, results.NewResultEvent(res)); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HDel(ctx, "{"+ns+"}:progress", "task-p").Err(); err != nil {
		t.Fatal(err)
	}
	got, err = c.Progress(ctx, "task-p")
	if err != nil || got == nil || got.Polls != 5 || len(got.Steps) != 3 || got.Steps[2] != third || got.JobID != "j-p" || got.TaskID != "task-p" {
		t.Errorf("Progress after the result = %+v, %v; want the result's steps and polls (3, 5)", got, err)
	}
	key := "{" + ns + "}:result:task-p"
	if d, err := rdb.PTTL(ctx, key).Result(); err != nil || d <= ttl-time.Minute || d > ttl {
		t.Errorf("TTL of %s = %v, %v; want the result's retention %v", key, d, err, ttl)
	}
}

// TestClient_Progress_earlierVersion: a task followed by a worker of an
// earlier version has its progress under a key of its own; Progress reads it.
func TestClient_Progress_earlierVersion(t *testing.T) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	c := tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	ctx := context.Background()
	old := `{"v":1,"taskId":"task-o","jobId":"j-o","userId":"u-1","steps":[{"title":"verify-credentials","status":"success","observedAt":"2026-01-02T03:04:05Z"}],"polls":3}`
	if err := rdb.Set(ctx, "{"+ns+"}:progress:task-o", old, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Progress(ctx, "task-o")
	if err != nil || got == nil || got.Polls != 3 || got.JobID != "j-o" || len(got.Steps) != 1 {
		t.Errorf("Progress = %+v, %v; want the earlier version's (3 polls, one step)", got, err)
	}
}
