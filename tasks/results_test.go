package tasks_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// setupResults returns the worker's publisher and an app's Client of one
// test namespace.
func setupResults(t *testing.T) (*results.Publisher, *tasks.Client, string) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	return results.NewPublisher(rdb, results.WithNamespace(ns)), tasks.NewClient(rdb, nil, tasks.WithNamespace(ns)), ns
}

func result(taskID, jobID string) tasks.Result {
	return tasks.Result{Outcome: tasks.OutcomeCompleted, TaskID: taskID, UserID: "u", JobID: jobID, Kind: tasks.TypeCreateConnection,
		Accounts: []string{"a1"}, Polls: 3}
}

func TestClient_Read_resume(t *testing.T) {
	ctx := context.Background()
	pub, sub, _ := setupResults(t)
	for _, job := range []string{"j1", "j2", "j3"} {
		if _, err := pub.Publish(ctx, results.NewResultEvent(result("t-"+job, job))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pub.Publish(ctx, results.NewMFAEvent(tasks.MFARequired{TaskID: "t-j4", UserID: "u", JobID: "j4", Method: "token"})); err != nil {
		t.Fatal(err)
	}
	first, err := sub.ReadResults(ctx, "0", 2, 0)
	if err != nil || len(first) != 2 || first[0].ID != "result:j1" || first[1].ID != "result:j2" {
		t.Fatalf("first read: got %+v, %v", first, err)
	}
	rest, err := sub.ReadResults(ctx, first[1].StreamID, 10, 0)
	if err != nil || len(rest) != 2 || rest[0].ID != "result:j3" || rest[1].Type != tasks.EventMFARequired || rest[1].MFA.JobID != "j4" {
		t.Fatalf("resumed read: got %+v, %v", rest, err)
	}
	none, err := sub.ReadResults(ctx, rest[1].StreamID, 10, 10*time.Millisecond)
	if err != nil || len(none) != 0 {
		t.Fatalf("read at end: got %+v, %v, want none", none, err)
	}
}

func TestClient_Events_follows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pub, _, ns := setupResults(t)
	// The follower reads on a client of its own, named, so that the test can
	// see when it blocks on the stream, past where "$" was resolved.
	name := testredis.Name(t, "follow")
	rdb := redis.NewClient(&redis.Options{Addr: testredis.Addr(), ClientName: name})
	t.Cleanup(func() { rdb.Close() })
	sub := tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	watch := testredis.Client(t)
	pub.Publish(ctx, results.NewResultEvent(result("old", "old")))
	go func() {
		if !waitBlocked(ctx, watch, name) {
			return
		}
		pub.Publish(ctx, results.NewResultEvent(result("t1", "j1")))
		pub.Publish(ctx, results.NewResultEvent(result("t2", "j2")))
	}()
	var ids []string
	for e, err := range sub.Results(ctx, "$") {
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

// waitBlocked waits until the Redis connection named name is blocked in
// XREAD, or ctx ends (false).
func waitBlocked(ctx context.Context, rdb *redis.Client, name string) bool {
	for ctx.Err() == nil {
		list, _ := rdb.ClientList(ctx).Result()
		for _, line := range strings.Split(list, "\n") {
			if strings.Contains(line, " name="+name+" ") && strings.Contains(line, " cmd=xread") {
				return true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func TestClient_Wait(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pub, sub, _ := setupResults(t)

	t.Run("published before", func(t *testing.T) {
		pub.Publish(ctx, results.NewResultEvent(result("before", "jb")))
		got, err := sub.Wait(ctx, "before")
		if err != nil || got.JobID != "jb" {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("published after", func(t *testing.T) {
		go func() {
			time.Sleep(100 * time.Millisecond)
			pub.Publish(ctx, results.NewResultEvent(result("other", "jo")))
			pub.Publish(ctx, results.NewResultEvent(result("after", "ja")))
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

func TestClient_LastResults(t *testing.T) {
	ctx := context.Background()
	pub, sub, _ := setupResults(t)
	if got, err := sub.LastResults(ctx, 3); err != nil || len(got) != 0 {
		t.Fatalf("empty stream: got %+v, %v, want none", got, err)
	}
	for _, job := range []string{"j1", "j2", "j3"} {
		if _, err := pub.Publish(ctx, results.NewResultEvent(result("t-"+job, job))); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		n    int
		want []string
	}{
		{0, nil},
		{1, []string{"result:j3"}},
		{2, []string{"result:j2", "result:j3"}},
		{5, []string{"result:j1", "result:j2", "result:j3"}},
	} {
		got, err := sub.LastResults(ctx, tc.n)
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if err != nil || strings.Join(ids, ",") != strings.Join(tc.want, ",") {
			t.Errorf("LastResults(%d): got %v, %v, want %v", tc.n, ids, err, tc.want)
		}
	}
	// The last one's StreamID resumes after it: nothing more until a new event.
	last, _ := sub.LastResults(ctx, 1)
	if rest, err := sub.ReadResults(ctx, last[0].StreamID, 10, 0); err != nil || len(rest) != 0 {
		t.Fatalf("read after the last: got %+v, %v, want none", rest, err)
	}
}
