package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
)

// enqueueRaw enqueues a task of type typ with an empty JSON payload to te's queue.
func (te *testEnv) enqueueRaw(t *testing.T, typ string) string {
	t.Helper()
	c := asynq.NewClientFromRedisClient(te.rdb)
	info, err := c.Enqueue(asynq.NewTask(typ, []byte("{}")), asynq.Queue(te.queue), asynq.Retention(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

// serve runs an asynq server on queue q whose handler is h (nil: one that
// blocks until the test ends).
func (te *testEnv) serve(t *testing.T, q string, h asynq.HandlerFunc) {
	t.Helper()
	done := make(chan struct{})
	if h == nil {
		h = func(ctx context.Context, _ *asynq.Task) error {
			select {
			case <-ctx.Done():
			case <-done:
			}
			return errors.New("test over")
		}
	}
	srv := asynq.NewServerFromRedisClient(te.rdb, asynq.Config{Queues: map[string]int{q: 1}, Concurrency: 1,
		LogLevel: asynq.FatalLevel, ShutdownTimeout: time.Second, TaskCheckInterval: 50 * time.Millisecond})
	if err := srv.Start(h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(done); srv.Shutdown() })
}

// idleServer runs an asynq server on te's queue that takes no task of the
// types enqueued here before their time: a worker that serves the queue.
func (te *testEnv) idleServer(t *testing.T) {
	t.Helper()
	te.serve(t, te.queue, func(context.Context, *asynq.Task) error { return nil })
}

// enqueueLater enqueues a refresh to queue q that is due in an hour.
func (te *testEnv) enqueueLater(t *testing.T, q string) string {
	t.Helper()
	c := tasks.NewClient(te.rdb, nil, tasks.WithNamespace(te.ns))
	id, err := c.RefreshAll(context.Background(), tasks.RefreshAll{UserID: "u1"}, tasks.Enqueue{Queue: q, ProcessIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// enqueueMFA enqueues an MFA answer to te's queue without waiting for it.
func (te *testEnv) enqueueMFA(t *testing.T, user, job string) string {
	t.Helper()
	k, err := tasks.ParseKeyring(te.vars["BASIQ_SECRET_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	c := tasks.NewClient(te.rdb, k, tasks.WithNamespace(te.ns))
	id, err := c.AnswerMFA(context.Background(), tasks.AnswerMFA{UserID: user, JobID: job, Answers: []string{"1"}}, tasks.Enqueue{Queue: te.queue})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestWait_hopeless: wait says within seconds, with exit code 1, when no
// worker will ever answer.
func TestWait_hopeless(t *testing.T) {
	te := setup(t)
	user := newUser(t, te.startWorker(t))
	done := te.waitResult(t, te.enqueue(t, "hooli2016\n", "create", "--user", user, "--institution", "AU00000",
		"--login", "gavinBelson", "--password-stdin"))
	mfaTask := te.enqueueMFA(t, user, done.JobID)
	tests := []struct {
		name string
		id   func(t *testing.T) string
		want string
	}{
		{"unknown task id", func(*testing.T) string { return "no-such-task" }, "unknown task no-such-task"},
		{"queue nobody serves", func(t *testing.T) string { return te.enqueueLater(t, testredis.Queue(t, "unserved")) },
			"no running worker serves it"},
		{"task without a result", func(*testing.T) string { return mfaTask }, "publishes no result"},
		{"archived without a result", func(t *testing.T) string { return te.enqueueRaw(t, "connection:frobnicate") },
			`archived without a result: handler not found for task "connection:frobnicate"`},
		{"paused queue", func(t *testing.T) string {
			q := testredis.Queue(t, "paused")
			id := te.enqueueLater(t, q)
			if err := asynq.NewInspectorFromRedisClient(te.rdb).PauseQueue(q); err != nil {
				t.Fatal(err)
			}
			te.serve(t, q, nil)
			return id
		}, "the queue is paused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			code, out, errOut := te.ctl(t, "", "wait", tt.id(t), "--timeout", "20s", "--unserved", "1s")
			if code != exitFailed || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and %q", code, out, errOut, exitFailed, tt.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s, want an answer within seconds", d)
			}
		})
	}
}

// TestWait_timeout: a task that a worker will take, but not before
// --timeout, ends wait with exit code 4.
func TestWait_timeout(t *testing.T) {
	te := setup(t)
	te.idleServer(t)
	id := te.enqueueLater(t, te.queue)
	code, _, errOut := te.ctl(t, "", "wait", id, "--timeout", "1500ms")
	if code != exitWaitOver || !strings.Contains(errOut, "no result after 1.5s") {
		t.Errorf("exit %d, stderr %q; want %d and a message", code, errOut, exitWaitOver)
	}
}

// TestWait_detail: the human line carries Basiq's detail, not only its title.
func TestWait_detail(t *testing.T) {
	te := setup(t)
	user := newUser(t, te.startWorker(t))
	id := te.enqueue(t, "hooli2016\n", "create", "--user", user, "--institution", "AU99999", "--login", "gavinBelson", "--password-stdin")
	code, out, errOut := te.ctl(t, "", "wait", id, "--timeout", "20s")
	if code != exitFailed {
		t.Fatalf("wait: exit %d, stderr %q, want %d", code, errOut, exitFailed)
	}
	for _, want := range []string{"error=parameter-not-valid", "Parameter value is not valid", "Requested institution does not exist."} {
		if !strings.Contains(out, want) {
			t.Errorf("wait output %q lacks %q", out, want)
		}
	}
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 20s", what)
		}
	}
}

// TestWait_noRetention: a task enqueued without retention leaves asynq once
// the worker has run it, while its job is still followed; wait keeps
// waiting for the result (here until --timeout) instead of calling the id
// unknown.
func TestWait_noRetention(t *testing.T) {
	te := setup(t)
	user := newUser(t, te.startWorker(t))
	k, err := tasks.ParseKeyring(te.vars["BASIQ_SECRET_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	c := tasks.NewClient(te.rdb, k, tasks.WithNamespace(te.ns), tasks.WithRetention(0))
	id, err := c.CreateConnection(context.Background(), tasks.CreateConnection{UserID: user, InstitutionID: "AU00000",
		Credentials: tasks.Credentials{LoginID: "never-ends", Password: "x"}}, tasks.Enqueue{Queue: te.queue})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := te.ctl(t, "", "wait", id, "--timeout", "4s")
	if code != exitWaitOver || !strings.Contains(errOut, "no result after 4s") {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d (still running), not an unknown task", code, out, errOut, exitWaitOver)
	}
}
