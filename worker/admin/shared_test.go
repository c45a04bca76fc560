package admin

import (
	"context"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

// TestHandler_sharedRedis: with Redis alone, the UI, the queue gauges and
// /readyz run on that one client and leave it open for its owner.
func TestHandler_sharedRedis(t *testing.T) {
	rdb := testredis.Client(t)
	q := testredis.Queue(t, "admin-shared")
	enqueue(t, q, "job:poll")
	h, err := New(Options{Redis: rdb, UIEnabled: true, Queues: []string{q}})
	if err == nil {
		t.Cleanup(func() { // asynqmon's Close would have closed it: it is never called
			if err := rdb.Ping(context.Background()).Err(); err != nil {
				t.Errorf("the shared client at the end: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if code, body := do(t, h, "GET", "/metrics"); code != 200 || !strings.Contains(body, `asynq_queue_size{queue="`+q+`"}`) {
		t.Errorf("GET /metrics = %d, want 200 with the gauge of %s:\n%.400s", code, q, body)
	}
	if code, body := do(t, h, "GET", "/ui/api/queues/"+q); code != 200 || !strings.Contains(body, q) {
		t.Errorf("GET /ui/api/queues/%s = %d %.200q, want 200 naming the queue", q, code, body)
	}
	if code, _ := do(t, h, "GET", "/ui/api/redis_info"); code != 200 {
		t.Errorf("GET /ui/api/redis_info = %d, want 200 (asynqmon sees the real client)", code)
	}
	if code, _ := do(t, h, "GET", "/readyz"); code != 200 {
		t.Errorf("GET /readyz = %d, want 200", code)
	}
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Errorf("the shared client after serving: %v, want it open", err)
	}
}

func TestNew_needsRedis(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "Redis") {
		t.Errorf("New without Redis: got %v, want an error naming Redis", err)
	}
}
