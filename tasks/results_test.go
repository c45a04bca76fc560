package tasks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

func setupResults(t *testing.T) (*Publisher, *Subscriber, string) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	return NewPublisher(rdb, WithNamespace(ns)), NewSubscriber(rdb, WithNamespace(ns)), ns
}

func result(taskID, jobID string) Result {
	return Result{Outcome: OutcomeCompleted, TaskID: taskID, UserID: "u", JobID: jobID, Kind: TypeCreateConnection,
		Accounts: []string{"a1"}, Polls: 3}
}

func TestPublisher_Publish_once(t *testing.T) {
	ctx := context.Background()
	pub, sub, ns := setupResults(t)
	ps := pub.rdb.Subscribe(ctx, ResultsChannel(ns))
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
	if n := pub.rdb.XLen(ctx, ResultsStreamKey(ns)).Val(); n != 1 {
		t.Fatalf("got %d stream entries, want 1", n)
	}
	if ttl := pub.rdb.TTL(ctx, ResultKey(ns, "task-1")).Val(); ttl <= 0 || ttl > DefaultResultTTL {
		t.Errorf("result key ttl %s, want (0, %s]", ttl, DefaultResultTTL)
	}
	if ttl := pub.rdb.TTL(ctx, PublishedKey(ns, e.ID)).Val(); ttl <= 0 {
		t.Errorf("published key ttl %s, want > 0", ttl)
	}
	live := 0
	timeout := time.After(200 * time.Millisecond)
	for done := false; !done; {
		select {
		case <-ps.Channel():
			live++
		case <-timeout:
			done = true
		}
	}
	if live != 1 {
		t.Fatalf("got %d live messages, want 1", live)
	}
	got, err := sub.Result(ctx, "task-1")
	if err != nil || got == nil || got.JobID != "job-1" || got.V != PayloadVersion {
		t.Fatalf("stored result: got %+v, %v", got, err)
	}
}

func TestPublisher_Publish_invalid(t *testing.T) {
	pub, _, _ := setupResults(t)
	for name, e := range map[string]Event{
		"no id":        {Type: EventResult, Result: &Result{TaskID: "t"}},
		"no result":    {Type: EventResult, ID: "x"},
		"no task id":   {Type: EventResult, ID: "x", Result: &Result{}},
		"no mfa":       {Type: EventMFARequired, ID: "x"},
		"unknown type": {Type: "other", ID: "x"},
	} {
		if ok, err := pub.Publish(context.Background(), e); err == nil || ok {
			t.Errorf("%s: got %v, %v, want an error", name, ok, err)
		}
	}
}

func TestSubscriber_Read_resume(t *testing.T) {
	ctx := context.Background()
	pub, sub, _ := setupResults(t)
	for _, job := range []string{"j1", "j2", "j3"} {
		if _, err := pub.Publish(ctx, NewResultEvent(result("t-"+job, job))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pub.Publish(ctx, NewMFAEvent(MFARequired{TaskID: "t-j4", UserID: "u", JobID: "j4", Method: "token"})); err != nil {
		t.Fatal(err)
	}
	first, err := sub.Read(ctx, "0", 2, 0)
	if err != nil || len(first) != 2 || first[0].ID != "result:j1" || first[1].ID != "result:j2" {
		t.Fatalf("first read: got %+v, %v", first, err)
	}
	rest, err := sub.Read(ctx, first[1].StreamID, 10, 0)
	if err != nil || len(rest) != 2 || rest[0].ID != "result:j3" || rest[1].Type != EventMFARequired || rest[1].MFA.JobID != "j4" {
		t.Fatalf("resumed read: got %+v, %v", rest, err)
	}
	none, err := sub.Read(ctx, rest[1].StreamID, 10, 10*time.Millisecond)
	if err != nil || len(none) != 0 {
		t.Fatalf("read at end: got %+v, %v, want none", none, err)
	}
}

func TestSubscriber_Events_follows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pub, sub, _ := setupResults(t)
	pub.Publish(ctx, NewResultEvent(result("old", "old")))
	go func() {
		time.Sleep(50 * time.Millisecond)
		pub.Publish(ctx, NewResultEvent(result("t1", "j1")))
		pub.Publish(ctx, NewResultEvent(result("t2", "j2")))
	}()
	var ids []string
	for e, err := range sub.Events(ctx, "$") {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
		if len(ids) == 2 {
			break
		}
	}
	if len(ids) != 2 || ids[0] != "result:j1" || ids[1] != "result:j2" {
		t.Fatalf("got %v, want [result:j1 result:j2]", ids)
	}
}

func TestSubscriber_Wait(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pub, sub, _ := setupResults(t)

	t.Run("published before", func(t *testing.T) {
		pub.Publish(ctx, NewResultEvent(result("before", "jb")))
		got, err := sub.Wait(ctx, "before")
		if err != nil || got.JobID != "jb" {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("published after", func(t *testing.T) {
		go func() {
			time.Sleep(100 * time.Millisecond)
			pub.Publish(ctx, NewResultEvent(result("other", "jo")))
			pub.Publish(ctx, NewResultEvent(result("after", "ja")))
		}()
		got, err := sub.Wait(ctx, "after")
		if err != nil || got.JobID != "ja" {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("context ends", func(t *testing.T) {
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if got, err := sub.Wait(short, "never"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %+v, %v, want deadline exceeded", got, err)
		}
	})
}
