package tasks_test

import (
	"context"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestClient_readsResults: the Client reads the results of its namespace
// on the handle it was made with, by every way it offers.
func TestClient_readsResults(t *testing.T) {
	rdb, ns := testredis.Client(t), testredis.Namespace(t, "test")
	pub, c := results.NewPublisher(rdb, results.WithNamespace(ns)), tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	other := results.NewPublisher(rdb, results.WithNamespace(ns+"-other"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := other.Publish(ctx, results.NewResultEvent(result("t1", "elsewhere"))); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Result(ctx, "t1"); r != nil || err != nil {
		t.Fatalf("Result before publish: got %+v, %v, want nil, nil (another namespace's result)", r, err)
	}
	if _, err := pub.Publish(ctx, results.NewResultEvent(result("t1", "j1"))); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Wait(ctx, "t1"); err != nil || r.JobID != "j1" {
		t.Fatalf("Wait: got %+v, %v, want job j1", r, err)
	}
	if r, err := c.Result(ctx, "t1"); err != nil || r == nil || r.JobID != "j1" {
		t.Fatalf("Result: got %+v, %v, want job j1", r, err)
	}
	for e, err := range c.Follow(ctx, "t1") {
		if err != nil || e.Type != tasks.EventResult || e.Result.JobID != "j1" {
			t.Fatalf("Follow: got %+v, %v, want the result of j1", e, err)
		}
	}
	page, err := c.ReadResults(ctx, "0", 10, 0)
	if err != nil || len(page) != 1 || page[0].ID != "result:j1" {
		t.Fatalf("ReadResults: got %+v, %v, want [result:j1]", page, err)
	}
	for e, err := range c.Results(ctx, "0") {
		if err != nil || e.ID != "result:j1" || e.StreamID != page[0].StreamID {
			t.Fatalf("Results: got %+v, %v, want result:j1 at %s", e, err, page[0].StreamID)
		}
		break
	}
}
