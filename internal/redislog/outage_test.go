package redislog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// childAddr, in the environment, makes the test binary run child instead
// of the tests: a process of its own, so that go-redis's process-wide
// logger and its stderr are the child's alone.
const childAddr = "REDISLOG_CHILD_ADDR"

func TestMain(m *testing.M) {
	if addr := os.Getenv(childAddr); addr != "" {
		os.Exit(child(addr, os.Getenv("REDISLOG_CHILD_PLAIN") == ""))
	}
	os.Exit(m.Run())
}

// child pings Redis at addr until the parent says Redis is gone, then keeps
// pinging for 3 s, as a worker's pools do in an outage.
func child(addr string, install bool) int {
	if install {
		Install(zerolog.New(os.Stdout))
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		fmt.Println("no redis:", err)
		return 1
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n') // Redis was killed
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		rdb.Ping(context.Background())
	}
	return 0
}

// outage runs child against a redis-server of its own, kills the server
// once the child is connected, and returns the child's stdout and stderr.
func outage(t *testing.T, install bool) (stdout, stderr string) {
	t.Helper()
	srv := testredis.StartServer(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childAddr+"="+srv.Addr)
	if !install {
		cmd.Env = append(cmd.Env, "REDISLOG_CHILD_PLAIN=1")
	}
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	if first, err := r.ReadString('\n'); first != "ready\n" {
		t.Fatalf("child: %q, %v", first, err)
	}
	srv.Kill()
	io.WriteString(in, "go\n")
	rest, _ := io.ReadAll(r)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v; stderr: %.500s", err, errBuf.String())
	}
	return string(rest), errBuf.String()
}

func TestInstall_redisOutage(t *testing.T) {
	stdout, stderr := outage(t, true)
	if strings.Contains(stderr, "redis") {
		t.Errorf("stderr holds go-redis lines:\n%.1000s", stderr)
	}
	var dial []line
	for _, s := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Errorf("stdout line is not JSON: %q", s)
			continue
		}
		if l.Component == "redis" && strings.Contains(l.Message, "failed to dial") {
			dial = append(dial, l)
		}
	}
	// 3 s of an outage within one 5 s interval: one line.
	if len(dial) != 1 || dial[0].Level != "warn" {
		t.Errorf("dial failure lines = %+v, want 1 warning", dial)
	}
}

// TestOutage_plainStderr shows what Install prevents: without it, go-redis
// writes a plain-text line to stderr for each failed dial.
func TestOutage_plainStderr(t *testing.T) {
	_, stderr := outage(t, false)
	if n := strings.Count(stderr, "failed to dial"); n < 3 {
		t.Errorf("plain go-redis lines on stderr = %d, want many (is the outage reproduced?)", n)
	}
}
