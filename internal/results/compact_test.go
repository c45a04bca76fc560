package results

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// threeStepResult is the result of a three-step job as the worker builds
// it, its times with nanoseconds.
func threeStepResult(taskID string) tasks.Result {
	at := time.Date(2026, 12, 2, 12, 32, 5, 440949688, time.UTC)
	step := func(title, status string, d time.Duration) tasks.StepObservation {
		return tasks.StepObservation{Title: title, Status: status, ObservedAt: at.Add(d)}
	}
	return tasks.Result{V: wire.PayloadVersion, Outcome: tasks.OutcomeCompleted, TaskID: taskID,
		IdempotencyKey: "bench-46a0401cef60-1111", UserID: "a9e262dc-dd7e-4c53-ae5e-e07b61239c0d",
		ConnectionID: "fca294ec-742b-46dc-aea7-ac46bc3b942c", JobID: "ff6e24fa-0c43-44e4-abd6-b68185366828",
		InstitutionID: "AU00000", Kind: tasks.TypeCreateConnection,
		Steps: []tasks.StepObservation{step("verify-credentials", "success", 0), step("retrieve-accounts", "in-progress", 0),
			step("retrieve-accounts", "success", 2100123456*time.Nanosecond), step("retrieve-transactions", "in-progress", 2100123456*time.Nanosecond),
			step("retrieve-transactions", "success", 4500987654*time.Nanosecond)},
		Accounts: []string{"12df6a5e-6317-4a6e-a11a-ceab3188c084", "87d58044-ad41-4b39-acee-7ab12ecea0cc", "127a4ba1-9a57-4c01-aa65-6afc56112902"},
		Polls:    3, StartedAt: at.Add(-time.Second - 123456789), FinishedAt: at.Add(4500987654 + 123456)}
}

// TestPublish_storedCompact: the result key and the stream entry hold the
// result with its times to the millisecond (42 bytes fewer for a
// three-step job, which comes within jemalloc's 1 KB size class), and the
// readers get back the result it was given, to the millisecond.
func TestPublish_storedCompact(t *testing.T) {
	ctx := context.Background()
	pub, sub, ns := setupResults(t)
	r := threeStepResult("task-compact")
	in := r.Steps[2].ObservedAt
	if _, err := pub.Publish(ctx, NewResultEvent(r)); err != nil {
		t.Fatal(err)
	}
	if r.Steps[2].ObservedAt != in {
		t.Fatal("Publish changed the caller's steps")
	}
	nanos, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := pub.rdb.Get(ctx, wire.ResultKey(ns, r.TaskID)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if saved := len(nanos) - len(stored); saved < 7*6 || len(stored) > 1020 {
		t.Errorf("stored result %d bytes (with nanoseconds %d), want 42 fewer and at most 1020 (sds header and NUL within 1 KB):\n%s",
			len(stored), len(nanos), stored)
	}
	msgs, err := pub.rdb.XRange(ctx, wire.ResultsStreamKey(ns), "-", "+").Result()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("stream: %v, %v", msgs, err)
	}
	entry, _ := msgs[0].Values["event"].(string)
	if !strings.Contains(entry, stored) {
		t.Errorf("stream entry does not hold the stored result:\n%s\n%s", entry, stored)
	}
	want := compactResult(r)
	want.V = wire.PayloadVersion
	for name, read := range map[string]func() (*tasks.Result, error){
		"Result": func() (*tasks.Result, error) { return sub.Result(ctx, r.TaskID) },
		"stream": func() (*tasks.Result, error) {
			evs, err := sub.LastResults(ctx, 1)
			if err != nil || len(evs) != 1 {
				return nil, err
			}
			return evs[0].Result, nil
		},
	} {
		got, err := read()
		if err != nil || got == nil {
			t.Fatalf("%s: %v, %v", name, got, err)
		}
		if !got.FinishedAt.Equal(r.FinishedAt.Truncate(time.Millisecond)) || !got.Steps[4].ObservedAt.Equal(r.Steps[4].ObservedAt.Truncate(time.Millisecond)) {
			t.Errorf("%s: times %s, %s, want %s, %s to the millisecond", name, got.FinishedAt, got.Steps[4].ObservedAt, r.FinishedAt, r.Steps[4].ObservedAt)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s: got\n%s\nwant\n%s", name, g, w)
		}
	}
}

// TestResult_olderWorkersStore: a result an older worker stored, its times
// with nanoseconds, reads as it was stored.
func TestResult_olderWorkersStore(t *testing.T) {
	ctx := context.Background()
	pub, sub, ns := setupResults(t)
	r := threeStepResult("task-old")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.rdb.Set(ctx, wire.ResultKey(ns, r.TaskID), b, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := sub.Result(ctx, r.TaskID)
	if err != nil || got == nil {
		t.Fatalf("got %v, %v", got, err)
	}
	if !got.Steps[2].ObservedAt.Equal(r.Steps[2].ObservedAt) || !got.StartedAt.Equal(r.StartedAt) {
		t.Errorf("got times %s, %s, want %s, %s", got.Steps[2].ObservedAt, got.StartedAt, r.Steps[2].ObservedAt, r.StartedAt)
	}
}
