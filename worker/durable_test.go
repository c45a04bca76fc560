package worker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/durable"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/hibiken/asynq"
)

// newDurableEnv is a testEnv on the real Redis, which has no replica: with
// WaitReplicas 1 every wait for the replicas fails (after 50ms).
func newDurableEnv(t *testing.T, replicas int) *testEnv {
	t.Helper()
	rdb := testredis.Client(t)
	if n, _ := rdb.Info(context.Background(), "replication").Result(); !contains(n, "connected_slaves:0") {
		t.Skipf("the test Redis has replicas: %s", n)
	}
	e := newTestEnvOn(t, rdb, testredis.Namespace(t, "dur"))
	e.h.replicas = durable.New(rdb, replicas, 50*time.Millisecond)
	return e
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// durableAck holds the acknowledgement of a task whose writes are not on
// the replicas: a done or archived task is run again (not a failure); a
// task asynq retries anyway, or any task without WaitReplicas, passes.
func TestDurableAck(t *testing.T) {
	transient := errors.New("basiq 503")
	final := &finalError{outcome: "failed"}
	tests := []struct {
		name       string
		replicas   int
		handlerErr error
		wantSame   bool // the handler's error (or nil) comes back unchanged
	}{
		{"done, replicas missing", 1, nil, false},
		{"final result, replicas missing", 1, final, false},
		{"retried anyway", 1, transient, true},
		{"done, no wait asked", 0, nil, true},
		{"final result, no wait asked", 0, final, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDurableEnv(t, tt.replicas)
			ran := false
			h := e.h.durableAck(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { ran = true; return tt.handlerErr }))
			err := h.ProcessTask(e.ctx("t-1", 0, true), asynq.NewTask("x", nil))
			if !ran {
				t.Fatal("handler not run")
			}
			if tt.wantSame {
				if err != tt.handlerErr {
					t.Errorf("got %v, want the handler's %v", err, tt.handlerErr)
				}
				return
			}
			var re *retryError
			if !errors.As(err, &re) || !errors.As(err, new(*durable.Error)) || re.delay != notDurableDelay {
				t.Fatalf("got %v, want a retry in %s wrapping a *durable.Error", err, notDurableDelay)
			}
			if isFailure(err) {
				t.Error("isFailure: true, want a retry that is not counted as a failure")
			}
			if errors.Is(err, asynq.SkipRetry) {
				t.Error("the retry wraps SkipRetry: asynq would archive the task")
			}
		})
	}
}

// A create whose "sending" record is not on the replicas is not sent to
// Basiq: the record is cleared and the task runs again.
func TestCreate_notSentUntilRecordDurable(t *testing.T) {
	e := newDurableEnv(t, 1)
	e.basiq.create = func(string, sdk.Credentials) (*sdk.Job, error) { return &sdk.Job{ID: "j-dur"}, nil }
	ctx := e.ctx("connection:create:dur", 0, false)
	err := e.h.CreateConnection(ctx, createTask(t, e.kr, "u-1"))
	if !errors.As(err, new(*durable.Error)) || isFailure(err) {
		t.Fatalf("create: %v, want a retry (not a failure) wrapping a *durable.Error", err)
	}
	if n := e.basiq.count("create"); n != 0 {
		t.Errorf("Basiq got %d creates, want none", n)
	}
	if n, err := e.rdb.Exists(context.Background(), e.h.startKey("connection:create:dur")).Result(); err != nil || n != 0 {
		t.Errorf("start record left: %d, %v; want it cleared", n, err)
	}
	e.h.replicas = nil // the replica back (no wait): the create goes
	if err := e.h.CreateConnection(ctx, createTask(t, e.kr, "u-1")); err != nil {
		t.Fatal(err)
	}
	if n := e.basiq.count("create"); n != 1 {
		t.Errorf("Basiq got %d creates once the record is durable, want 1", n)
	}
}
