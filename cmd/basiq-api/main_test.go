package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/exitcode"
	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

const secretKey = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func TestRun_badConfig(t *testing.T) {
	var out, errOut syncbuf.Buffer
	env := map[string]string{"API_TOKENS": "tiny", "API_MAX_WAIT": "soon"}
	err := run(context.Background(), []string{"basiq-api"}, func(k string) string { return env[k] }, &out, &errOut)
	if err == nil || exitcode.Of(err) != 2 {
		t.Fatalf("run: %v (exit %d), want a usage error (exit 2)", err, exitcode.Of(err))
	}
	for _, name := range []string{"API_TOKENS", "BASIQ_SECRET_KEY", "API_MAX_WAIT"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "tiny") {
		t.Errorf("error %q shows the token", err)
	}
}

// TestRun_serves starts the real program on real Redis and checks the
// probes, the token check, the metrics and the shutdown on ctx.
func TestRun_serves(t *testing.T) {
	testredis.Client(t) // fails or skips as the suite asks when Redis is missing
	ns := testredis.Namespace(t, "apicmd")
	env := map[string]string{"API_TOKENS": "cmd-test-token-0123456789", "BASIQ_SECRET_KEY": secretKey,
		"API_ADDR": "127.0.0.1:0", "REDIS_URL": "redis://" + testredis.Addr(), "REDIS_NAMESPACE": ns, "LOG_LEVEL": "debug"}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"basiq-api"}, func(k string) string { return env[k] }, &out, io.Discard)
	}()
	base := "http://" + waitAddr(t, &out)
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{"/healthz", "", 200}, {"/readyz", "", 200},
		{"/v1/tasks/t-1", "", 401}, {"/v1/tasks/t-1", "wrong-token-0123456789", 401},
		{"/v1/tasks/t-1", env["API_TOKENS"], 404}, {"/v1/openapi.json", env["API_TOKENS"], 200},
	} {
		if got, body := get(tc.path, tc.token); got != tc.status {
			t.Errorf("GET %s: %d %s, want %d", tc.path, got, body, tc.status)
		}
	}
	if _, m := get("/metrics", ""); !strings.Contains(m, `basiq_api_requests_total{route="GET /v1/tasks/{taskId}",status="404"} 1`) {
		t.Errorf("metrics lack the 404 of GET /v1/tasks/{taskId}:\n%s", grep(m, "basiq_api_"))
	}
	if strings.Contains(out.String(), env["API_TOKENS"]) || strings.Contains(out.String(), "MDEyMzQ1") {
		t.Errorf("the log holds a secret:\n%s", out.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// waitAddr reads the listen address from the "starting" log line.
func waitAddr(t *testing.T, out *syncbuf.Buffer) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(out.String(), "\n") {
			var l struct{ Message, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Addr != "" {
				return l.Addr
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no starting line with an addr:\n%s", out.String())
	return ""
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
