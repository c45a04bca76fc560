package testredis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotInstalled is returned (wrapped) by the topology helpers when
// redis-server is not on $PATH.
var ErrNotInstalled = errors.New("redis-server is not installed (apt-get install redis-server, as .ci/run does)")

// Need ends a test on err from StartSentinel or StartCluster: a missing
// redis-server skips it, or fails it when $TEST_REDIS_REQUIRED is set; any
// other error fails it.
func Need(t testing.TB, err error) {
	t.Helper()
	switch {
	case err == nil:
	case errors.Is(err, ErrNotInstalled):
		missing(t, err.Error())
	default:
		t.Fatal(err)
	}
}

// Node is one redis-server (or sentinel) process of a topology, with its
// own directory and log file.
type Node struct {
	// Addr is 127.0.0.1:port.
	Addr string
	// Dir holds its configuration, data and log ("redis.log").
	Dir  string
	cmd  *exec.Cmd
	once sync.Once
}

// freePort returns a port free on 127.0.0.1, and free at port+10000 too
// when bus is set (a cluster node's bus port).
func freePort(bus bool) (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		if !bus || port+10000 > 65535 {
			l.Close()
			if !bus {
				return port, nil
			}
			continue
		}
		b, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+10000))
		l.Close()
		if err == nil {
			b.Close()
			return port, nil
		}
	}
	return 0, errors.New("testredis: no free port")
}

// startNode writes conf (lines of redis.conf) to dir/redis.conf, after the
// port, bind, dir and log lines, and runs redis-server on it (with
// --sentinel when sentinel is set), waiting until it answers PING.
func startNode(dir string, port int, conf []string, sentinel bool) (*Node, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	n := &Node{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir}
	lines := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nlogfile %s\n", port, dir, filepath.Join(dir, "redis.log"))
	for _, l := range conf {
		lines += l + "\n"
	}
	path := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		return nil, err
	}
	args := []string{path}
	if sentinel {
		// The same binary as Debian's redis-sentinel (a symlink to it).
		args = append(args, "--sentinel")
	}
	n.cmd = exec.Command(bin, args...)
	dieWithParent(n.cmd)
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("testredis: start redis-server: %w", err)
	}
	if err := n.waitPing(5 * time.Second); err != nil {
		n.Kill()
		return nil, err
	}
	return n, nil
}

func (n *Node) waitPing(within time.Duration) error {
	rdb := redis.NewClient(&redis.Options{Addr: n.Addr, MaxRetries: -1})
	defer rdb.Close()
	for end := time.Now().Add(within); rdb.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			return fmt.Errorf("testredis: redis-server on %s did not answer within %v (log: %s)", n.Addr, within, n.Dir)
		}
	}
	return nil
}

// Client returns a new client of this node alone; the caller closes it.
func (n *Node) Client() *redis.Client { return redis.NewClient(&redis.Options{Addr: n.Addr}) }

// Kill kills the process (SIGKILL) and waits for it; a second Kill does nothing.
func (n *Node) Kill() {
	n.once.Do(func() {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
	})
}

// Killed reports whether Kill was called.
func (n *Node) Killed() bool { return n.cmd.ProcessState != nil }

func killAll(nodes []*Node) {
	for _, n := range nodes {
		n.Kill()
	}
}

// waitFor calls ok every 50ms until it reports true or within has passed.
func waitFor(within time.Duration, what string, ok func() bool) error {
	for end := time.Now().Add(within); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			return fmt.Errorf("testredis: %s: not within %v", what, within)
		}
	}
	return nil
}
