package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

// TestRun_redisOutageLogged: during a Redis outage go-redis's own lines
// ("failed to dial") come out on the JSON log, not as plain text on stderr.
func TestRun_redisOutageLogged(t *testing.T) {
	srv := testredis.StartServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := map[string]string{
		"BASIQ_API_KEY": "key", "BASIQ_SECRET_KEY": secretKey(), "BASIQ_BASE_URL": "http://127.0.0.1:1",
		"WORKER_QUEUES": testredis.Name(t, "outage"), "REDIS_URL": "redis://" + srv.Addr + "/0", "HTTP_ADDR": addr,
		"LOG_LEVEL": "warn", "WORKER_SHUTDOWN_TIMEOUT": "1s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var logs syncbuf.Buffer
	go func() { done <- run(ctx, []string{"basiq-worker"}, env(e), &logs, io.Discard) }()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(end) {
			t.Fatal("/readyz not up")
		}
	}
	srv.Kill()
	var line string
	for end := time.Now().Add(10 * time.Second); line == "" && time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `"component":"redis"`) && strings.Contains(l, "failed to dial") {
				line = l
			}
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Error("run did not return within 15s of the cancel")
	}
	if line == "" {
		t.Errorf("no go-redis line on the JSON log within 10s of the outage; log:\n%.2000s", logs.String())
	}
}
