package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// publishResults publishes n completed results, tasks t1..tn.
func (te *testEnv) publishResults(t *testing.T, from, n int) {
	t.Helper()
	pub := results.NewPublisher(te.rdb, results.WithNamespace(te.ns))
	for i := from; i < from+n; i++ {
		r := tasks.Result{Outcome: tasks.OutcomeCompleted, TaskID: fmt.Sprintf("t%d", i), JobID: fmt.Sprintf("j%d", i), UserID: "u1"}
		if _, err := pub.Publish(context.Background(), results.NewResultEvent(r)); err != nil {
			t.Fatal(err)
		}
	}
}

// tasksOf returns the task= values of tail's lines.
func tasksOf(out string) []string {
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		for _, f := range strings.Fields(line) {
			if id, ok := strings.CutPrefix(f, "task="); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// TestTail_count: --count N prints at most N of the events already on the
// stream (the last N, or the first N after --from) and exits, like tail -n.
func TestTail_count(t *testing.T) {
	te := setup(t)
	te.publishResults(t, 1, 3)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--count", "5"}, "t1 t2 t3"},
		{[]string{"--count", "2"}, "t2 t3"},
		{[]string{"--count", "2", "--from", "0"}, "t1 t2"},
		{[]string{"--count", "9", "--from", "0"}, "t1 t2 t3"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var stdout, stderr syncbuf.Buffer
			code := run(ctx, append([]string{"basiqctl", "tail"}, tt.args...), te.getenv, strings.NewReader(""), &stdout, &stderr)
			if ctx.Err() != nil {
				t.Fatalf("tail %q still running after 5s; printed %q", tt.args, stdout.String())
			}
			if got := strings.Join(tasksOf(stdout.String()), " "); code != exitOK || got != tt.want {
				t.Errorf("tail %q: exit %d, tasks %q, stderr %q; want 0 and %q", tt.args, code, got, stderr.String(), tt.want)
			}
		})
	}
}

func TestTail_help(t *testing.T) {
	te := setup(t)
	code, _, errOut := te.ctl(t, "", "tail", "-h")
	for _, want := range []string{"like tail -n", "also when the stream holds fewer than N", "-follow"} {
		if code != exitOK || !strings.Contains(errOut, want) {
			t.Errorf("tail -h: exit %d, stderr lacks %q:\n%s", code, want, errOut)
		}
	}
}

// TestTail_countFollow: --count N --follow prints the last N, then follows.
func TestTail_countFollow(t *testing.T) {
	te := setup(t)
	te.publishResults(t, 1, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"basiqctl", "tail", "--count", "1", "--follow"}, te.getenv, strings.NewReader(""), &stdout, &stderr)
	}()
	waitFor(t, func() bool { return strings.Contains(stdout.String(), "task=t3") }, "the last event")
	te.publishResults(t, 4, 2)
	waitFor(t, func() bool { return strings.Contains(stdout.String(), "task=t5") }, "the new events")
	cancel()
	if c := <-code; c != exitOK {
		t.Errorf("exit %d after Ctrl-C, want 0; stderr %q", c, stderr.String())
	}
	if got := strings.Join(tasksOf(stdout.String()), " "); got != "t3 t4 t5" {
		t.Errorf("tasks %q, want t3 t4 t5", got)
	}
}
