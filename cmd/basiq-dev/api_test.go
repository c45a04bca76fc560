package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestRun_api: basiq-dev serves the HTTP API with the token it prints,
// and a connection enqueued through it (under -api-version 2.0, a
// credentials create) completes (the README's curl lines).
func TestRun_api(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	d := startInProcess(ctx, "-api-version", "2.0", "-http", "127.0.0.1:0", "-api", "127.0.0.1:0", "-demo", "0",
		"-step-credentials", "200ms", "-step-accounts", "200ms", "-step-transactions", "200ms")
	m := waitForAll(t, &d.stdout, regexp.MustCompile(`HTTP API:\s+(\S+)/v1/ \(Authorization: Bearer (\S+);`))
	base, token := m[1], m[2]
	fake := waitFor(t, &d.stdout, regexp.MustCompile(`fake Basiq: (\S+)`))
	bc, err := sdk.New(devAPIKey, sdk.WithBaseURL(fake), sdk.WithAPIVersion("2.0"))
	if err != nil {
		t.Fatal(err)
	}
	user, err := bc.Users.Create(ctx, sdk.UserParams{Email: "dev-api@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"userId":"` + user.ID + `","institutionId":"AU00000","credentials":{"loginId":"gavinBelson","password":"hooli2016"}}`
	var enq struct{ TaskID string }
	if code := call(t, "POST", base+"/v1/connections", token, body, &enq); code != 202 {
		t.Fatalf("POST /v1/connections: %d", code)
	}
	var res tasks.Result
	if code := call(t, "GET", base+"/v1/tasks/"+enq.TaskID+"/result?wait=30s", token, "", &res); code != 200 || res.Outcome != tasks.OutcomeCompleted {
		t.Fatalf("result: %d %+v, want 200 completed", code, res)
	}
	if code := call(t, "GET", base+"/v1/tasks/"+enq.TaskID, "", "", nil); code != 401 {
		t.Errorf("without the token: %d, want 401", code)
	}
	cancel()
	d.wait(t)
}

func call(t *testing.T, method, url, token, body string, into any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewBufferString(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

// waitForAll is waitFor returning every group of the match.
func waitForAll(t *testing.T, out *syncbuf.Buffer, re *regexp.Regexp) []string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
	}
	t.Fatalf("no match for %s in:\n%s", re, out.String())
	return nil
}
