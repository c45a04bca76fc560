package results

import (
	"context"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
)

func setupResults(t *testing.T) (*Publisher, *tasks.Client, string) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	return NewPublisher(rdb, WithNamespace(ns)), tasks.NewClient(rdb, nil, tasks.WithNamespace(ns)), ns
}

func result(taskID, jobID string) tasks.Result {
	return tasks.Result{Outcome: tasks.OutcomeCompleted, TaskID: taskID, UserID: "u", JobID: jobID, Kind: tasks.TypeCreateConnection,
		Accounts: []string{"a1"}, Polls: 3}
}

func TestPublisher_Publish_once(t *testing.T) {
	ctx := context.Background()
	pub, sub, ns := setupResults(t)
	ps := pub.rdb.Subscribe(ctx, wire.ResultsChannel(ns))
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	e := NewResultEvent(result("task-1", "job-1"))
	for i, want := range []bool{true, false} {
		got, err := pub.Publish(ctx, e)
		if err != nil || got != want {
			t.Fatalf("publish #%d: got %v, %v, want %v", i+1, got, err, want)
		}
	}
	if n := pub.rdb.XLen(ctx, wire.ResultsStreamKey(ns)).Val(); n != 1 {
		t.Fatalf("got %d stream entries, want 1", n)
	}
	if ttl := pub.rdb.TTL(ctx, wire.ResultKey(ns, "task-1")).Val(); ttl <= 0 || ttl > DefaultResultTTL {
		t.Errorf("result key ttl %s, want (0, %s]", ttl, DefaultResultTTL)
	}
	if ttl := pub.rdb.TTL(ctx, wire.PublishedKey(ns, e.ID)).Val(); ttl <= 0 {
		t.Errorf("published key ttl %s, want > 0", ttl)
	}
	// The first message within 10 s (a loaded machine), then 200 ms for a second.
	live := 0
	timeout := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case <-ps.Channel():
			live++
			timeout = time.After(200 * time.Millisecond)
		case <-timeout:
			done = true
		}
	}
	if live != 1 {
		t.Fatalf("got %d live messages, want 1", live)
	}
	got, err := sub.Result(ctx, "task-1")
	if err != nil || got == nil || got.JobID != "job-1" || got.V != wire.PayloadVersion {
		t.Fatalf("stored result: got %+v, %v", got, err)
	}
}

func TestPublisher_Publish_invalid(t *testing.T) {
	pub, _, _ := setupResults(t)
	for name, e := range map[string]tasks.Event{
		"no id":        {Type: tasks.EventResult, Result: &tasks.Result{TaskID: "t"}},
		"no result":    {Type: tasks.EventResult, ID: "x"},
		"no task id":   {Type: tasks.EventResult, ID: "x", Result: &tasks.Result{}},
		"no mfa":       {Type: tasks.EventMFARequired, ID: "x"},
		"unknown type": {Type: "other", ID: "x"},
	} {
		if ok, err := pub.Publish(context.Background(), e); err == nil || ok {
			t.Errorf("%s: got %v, %v, want an error", name, ok, err)
		}
	}
}
