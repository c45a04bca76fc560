package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRun_servesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"basiq-mock", "-addr", "127.0.0.1:0", "-api-key", "k3y"}, pw) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok || strings.HasSuffix(base, ":0") {
		t.Fatalf("got line %q, want \"listening on http://ADDR\" with a real port", line)
	}
	go io.Copy(io.Discard, pr)

	tok := post(t, base+"/token", "Basic k3y")
	if tok.StatusCode != 200 {
		t.Fatalf("POST /token: got %d, want 200", tok.StatusCode)
	}
	if bad := post(t, base+"/token", "Basic other"); bad.StatusCode != 404 {
		t.Errorf("POST /token with another key: got %d, want 404", bad.StatusCode)
	}
	req, _ := http.NewRequest("GET", base+"/institutions", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 401 {
		t.Errorf("GET /institutions without token: got %v %v, want 401", res.StatusCode, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: got %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func post(t *testing.T, url, auth string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", url, nil)
	req.Header.Set("Authorization", auth)
	req.Header.Set("basiq-version", "3.0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}
