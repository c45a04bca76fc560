package admin

import (
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/redis/go-redis/v9"
)

func TestHandler_readyz(t *testing.T) {
	const password = "pw-that-must-not-show"
	srv := testredis.StartServer(t, "--requirepass", password)
	addr := srv.Addr
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password})
	t.Cleanup(func() { rdb.Close() })
	h := newHandler(t, Options{Redis: rdb})

	if code, body := do(t, h, "GET", "/readyz"); code != 200 || body != "ok" {
		t.Fatalf("GET /readyz = %d %q, want 200 \"ok\"", code, body)
	}
	srv.Kill()
	start := time.Now()
	code, body := do(t, h, "GET", "/readyz")
	if code != 503 || !strings.HasPrefix(body, "redis: ") {
		t.Errorf("GET /readyz with Redis down = %d %q, want 503 \"redis: ...\"", code, body)
	}
	if strings.Contains(body, password) {
		t.Errorf("GET /readyz shows the Redis password: %q", body)
	}
	// Bounded by readyTimeout, with room for a loaded machine; unbounded, a
	// dial or read of go-redis could take its own timeouts (5 s, 3 s) per try.
	if d := time.Since(start); d > readyTimeout+3*time.Second {
		t.Errorf("GET /readyz with Redis down took %v, want at most about %v", d, readyTimeout)
	}
}
