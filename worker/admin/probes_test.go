package admin

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// startRedis runs a redis-server of the test's own on a free port, with a password.
func startRedis(t *testing.T, password string) (*exec.Cmd, string) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--requirepass", password, "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password})
	defer rdb.Close()
	for i := 0; rdb.Ping(context.Background()).Err() != nil; i++ {
		if i == 100 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cmd, addr
}

func TestHandler_readyz(t *testing.T) {
	const password = "pw-that-must-not-show"
	cmd, addr := startRedis(t, password)
	h := newHandler(t, Options{RedisConnOpt: asynq.RedisClientOpt{Addr: addr, Password: password}})

	if code, body := do(t, h, "GET", "/readyz"); code != 200 || body != "ok" {
		t.Fatalf("GET /readyz = %d %q, want 200 \"ok\"", code, body)
	}
	cmd.Process.Kill()
	cmd.Wait()
	start := time.Now()
	code, body := do(t, h, "GET", "/readyz")
	if code != 503 || !strings.HasPrefix(body, "redis: ") {
		t.Errorf("GET /readyz with Redis down = %d %q, want 503 \"redis: ...\"", code, body)
	}
	if strings.Contains(body, password) {
		t.Errorf("GET /readyz shows the Redis password: %q", body)
	}
	if d := time.Since(start); d > 2*readyTimeout {
		t.Errorf("GET /readyz with Redis down took %v, want at most about %v", d, readyTimeout)
	}
}
