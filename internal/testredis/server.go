package testredis

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server of a test's own, on a free port of 127.0.0.1:
// for tests that stop, restart or kill Redis.
type Server struct {
	// Addr is host:port of the server.
	Addr string
	cmd  *exec.Cmd
	args []string // redis-server's command line, for Restart
	pass string
}

// StartServer runs redis-server on a free port with args added to its
// command line (e.g. "--requirepass", pw), waits until it answers PING
// (sending the password when args hold --requirepass), and kills it when
// the test ends. Without redis-server the test is skipped, or fails when
// $TEST_REDIS_REQUIRED is set (CI).
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		missing(t, "redis-server is not installed (apt-get install redis-server, as .ci/run does)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), pass: password(args)}
	base := []string{bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir()}
	s.args = append(base, args...)
	s.start(t)
	t.Cleanup(s.Kill)
	return s
}

// start runs the server's command line and waits until it answers PING.
func (s *Server) start(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command(s.args[0], s.args[1:]...)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("testredis: start redis-server: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, Password: s.pass})
	defer rdb.Close()
	for end := time.Now().Add(5 * time.Second); rdb.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("testredis: redis-server on %s did not answer within 5s", s.Addr)
		}
	}
}

// Restart kills the server (SIGKILL), waits down, and starts it again on
// the same port and directory, returning once it answers. Started with
// "--appendonly", "yes", "--appendfsync", "always", it keeps its data, as
// a production Redis does across a restart.
func (s *Server) Restart(t testing.TB, down time.Duration) {
	t.Helper()
	s.Kill()
	time.Sleep(down)
	s.start(t)
}

// Kill kills the server (SIGKILL) and waits for it to exit; a second Kill
// does nothing.
func (s *Server) Kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

func password(args []string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--requirepass" {
			return args[i+1]
		}
	}
	return ""
}
