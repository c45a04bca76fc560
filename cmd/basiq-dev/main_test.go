package main

import (
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
)

func noenv(string) string { return "" }

// TestRun_demo2: -api-version 2.0's credential demos, each with its outcome.
func TestRun_demo2(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"basiq-dev", "-api-version", "2.0", "-exit-after-demo", "-http", "127.0.0.1:0", "-demo", "5"}, noenv, &stdout, &stderr)
	}()
	ui := waitFor(t, &stdout, regexp.MustCompile(`web UI:\s+(\S+)`))
	resp, err := http.Get(ui)
	if err != nil {
		t.Fatalf("GET %s: %v", ui, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: got status %d, want 200", ui, resp.StatusCode)
	}
	if err := <-errc; err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	want := map[string]string{"1/5": "completed", "2/5": "failed", "3/5": "completed", "4/5": "completed", "5/5": "completed"}
	for demo, outcome := range want {
		re := regexp.MustCompile(`(?m)^result \[demo ` + demo + `\] (\S+) `)
		m := re.FindStringSubmatch(out)
		if m == nil {
			t.Errorf("demo %s: no result line\n%s", demo, out)
			continue
		}
		if m[1] != outcome {
			t.Errorf("demo %s: got %s, want %s", demo, m[1], outcome)
		}
	}
	for _, s := range []string{"error=invalid-credentials@verify-credentials", "mfa    [demo 3/5] token challenge", "all 5 demo results are in", "fake Basiq: http://127.0.0.1:"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "UNEXPECTED") {
		t.Errorf("unexpected outcome:\n%s", out)
	}
}

// TestRun_demo3: the default, API 3.0's journeys through the fake's JSON
// Consent UI and the callback page (one through the webhook alone), each
// with its outcome, followed by the task it should be.
func TestRun_demo3(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	err := run(ctx, []string{"basiq-dev", "-exit-after-demo", "-http", "127.0.0.1:0", "-api", "", "-demo", "6",
		"-step-credentials", "300ms", "-step-accounts", "300ms", "-step-transactions", "300ms"}, noenv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	want := []struct{ demo, outcome, by string }{
		{"1/6", "completed", "the callback's follow"}, {"2/6", "failed", "the callback's follow"},
		{"3/6", "completed", "the callback's follow"}, {"4/6", "completed", "the webhook's follow jobs:follow:basiq-event:"},
		{"5/6", "completed", "the callback's follow"}, {"6/6", "completed", "the callback's follow"},
	}
	for _, w := range want {
		re := regexp.MustCompile(`(?m)^result \[demo ` + w.demo + `\] (\S+) .*; by ([^)]+)\)$`)
		m := re.FindStringSubmatch(out)
		if m == nil {
			t.Errorf("demo %s: no result line\n%s", w.demo, out)
			continue
		}
		if m[1] != w.outcome || !strings.HasPrefix(m[2], w.by) {
			t.Errorf("demo %s: got %s by %s, want %s by %s", w.demo, m[1], m[2], w.outcome, w.by)
		}
	}
	for _, s := range []string{"consent UI: http://127.0.0.1:", "callback:   http://127.0.0.1:", "error=invalid-credentials@verify-credentials",
		"mfa-challenge:success", "basiq  basiq_event transactions.updated", "all 6 demo results are in"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "UNEXPECTED") {
		t.Errorf("unexpected outcome:\n%s", out)
	}
}

func TestRun_portTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	err = run(ctx, []string{"basiq-dev", "-exit-after-demo", "-demo", "0", "-http", ln.Addr().String()}, noenv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if want := "(" + ln.Addr().String() + " was taken, using 127.0.0.1:"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, stdout.String())
	}
}

func TestRun_usage(t *testing.T) {
	var stdout, stderr syncbuf.Buffer
	if err := run(context.Background(), []string{"basiq-dev", "-demo", "-1"}, noenv, &stdout, &stderr); err == nil {
		t.Fatal("run -demo -1: got nil error")
	}
}

// waitFor waits until re matches the output and returns its first group.
func waitFor(t *testing.T, out *syncbuf.Buffer, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no match for %s in:\n%s", re, out.String())
	return ""
}

func TestRun_uiAuth(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		password   string // sent by the browser
		wantErr    bool
		wantStatus int
	}{
		{"no credentials", nil, "", true, 0},
		{"username only", map[string]string{"UI_USERNAME": "ops"}, "", true, 0},
		{"wrong password", map[string]string{"UI_USERNAME": "ops", "UI_PASSWORD": "pw"}, "nope", false, http.StatusUnauthorized},
		{"right password", map[string]string{"UI_USERNAME": "ops", "UI_PASSWORD": "pw"}, "pw", false, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stdout, stderr syncbuf.Buffer
			errc := make(chan error, 1)
			getenv := func(k string) string { return tt.env[k] }
			go func() {
				errc <- run(ctx, []string{"basiq-dev", "-demo", "0", "-http", "0.0.0.0:0"}, getenv, &stdout, &stderr)
			}()
			if tt.wantErr {
				err := <-errc
				if err == nil || !strings.Contains(err.Error(), "UI_PASSWORD") {
					t.Fatalf("run = %v, want an error naming UI_PASSWORD", err)
				}
				return
			}
			ui := waitFor(t, &stdout, regexp.MustCompile(`web UI:\s+(\S+)`))
			req, _ := http.NewRequest("GET", strings.Replace(ui, "0.0.0.0", "127.0.0.1", 1), nil)
			req.SetBasicAuth("ops", tt.password)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("GET %s: got status %d, want %d", ui, resp.StatusCode, tt.wantStatus)
			}
			cancel()
			if err := <-errc; err != nil {
				t.Fatalf("run: %v", err)
			}
		})
	}
}
