package main

import (
	"context"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

func TestKeptKind(t *testing.T) {
	const id = "bench-1"
	for _, tc := range []struct{ key, want string }{
		{"{bench-1}:results", "stream"},
		{"asynq:{bench-1}:completed", "asynq completed set"},
		{"asynq:{bench-1}:t:connection:create:x", "asynq task"},
		{"{bench-1}:result:connection:create:x", "result key"},
		{"{bench-1}:published:result:j", "dedupe key"},
		{"{bench-1}:worker:start:connection:create:x", "start record"},
		{"{bench-1}:worker:follow:j", "follower record"},
		{"{bench-1}:worker:follow:j:waiters", "follower waiters"},
		{"{bench-1}:basiq:token:k", ""},
		{"{bench-2}:result:x", ""},
		{"asynq:{bench-1}:processed", ""},
	} {
		if got := keptKind(id, tc.key); got != tc.want {
			t.Errorf("keptKind(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

// TestKeptByKind: the kinds of a namespace's keys, each scaled to its count
// and divided by the jobs; other namespaces' keys are not counted.
func TestKeptByKind(t *testing.T) {
	ctx := context.Background()
	rdb, id := testredis.Client(t), testredis.Namespace(t, "kept")
	other := testredis.Namespace(t, "kept-other")
	for _, k := range []string{"{" + id + "}:result:a", "{" + id + "}:result:b", "{" + id + "}:published:a", "{" + other + "}:result:c"} {
		if err := rdb.Set(ctx, k, string(make([]byte, 900)), 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	kept := keptByKind(ctx, rdb, id, 2)
	if len(kept) != 2 {
		t.Fatalf("kinds %v, want result key and dedupe key", kept)
	}
	// Two result keys of about 1 KB over two jobs; one dedupe key of about 1 KB over two.
	if r, d := kept["result key"], kept["dedupe key"]; r < 0.88 || r > 1.5 || d < 0.44 || d > 0.75 {
		t.Errorf("result key %.2f KB/job, dedupe key %.2f, want about 1 and 0.5", r, d)
	}
}
