package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
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

	res, body := post(t, base+"/token", "Basic k3y")
	if res.StatusCode != 200 {
		t.Fatalf("POST /token: got %d, want 200", res.StatusCode)
	}
	if bad, _ := post(t, base+"/token", "Basic other"); bad.StatusCode != 404 {
		t.Errorf("POST /token with another key: got %d, want 404", bad.StatusCode)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(body, &tok)
	req, _ := http.NewRequest("GET", base+"/institutions", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		Data []struct {
			Links struct{ Self string }
		}
	}
	_ = json.NewDecoder(res.Body).Decode(&l)
	res.Body.Close()
	if res.StatusCode != 200 || len(l.Data) == 0 || !strings.HasPrefix(l.Data[0].Links.Self, base+"/institutions/") {
		t.Errorf("GET /institutions: got %d %+v, want 200 with links on %s", res.StatusCode, l, base)
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

func post(t *testing.T, url, auth string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader("scope=SERVER_ACCESS"))
	req.Header.Set("Authorization", auth)
	req.Header.Set("basiq-version", "3.0")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b
}

func TestRun_flags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknownFlag", []string{"-nope"}},
		{"badDuration", []string{"-step-credentials", "soon"}},
		{"extraArgs", []string{"serve"}},
		{"badAddr", []string{"-addr", "256.0.0.1:bad"}},
		{"badRetries", []string{"-webhook-retries", "5s,later"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"basiq-mock"}, tt.args...), io.Discard)
			if err == nil {
				t.Errorf("got nil, want an error")
			}
		})
	}
}

func TestOptions_faults(t *testing.T) {
	o, err := parseFlags([]string{"basiq-mock", "-latency", "5ms", "-error-rate", "0.5", "-rate-limit", "10", "-retry-after", "2s",
		"-throttle-rate", "0.1", "-drop-rate", "0.01", "-fault-path", "/jobs/"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	f := o.fault
	if f.Path != "/jobs/" || f.Latency != 5*time.Millisecond || f.ErrorRate != 0.5 || f.RateLimit != 10 || f.RetryAfter != 2*time.Second ||
		f.ThrottleRate != 0.1 || f.DropRate != 0.01 {
		t.Errorf("got %+v, want every fault flag parsed", f)
	}
	if n := len(o.serverOptions("http://x")); n != 14 {
		t.Errorf("server options: got %d, want 14 (13 + faults)", n)
	}
}

func TestLinkBase(t *testing.T) {
	tests := []struct {
		name, flag string
		addr       net.Addr
		want       string
	}{
		{"loopback", "", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8090}, "http://127.0.0.1:8090"},
		{"allIPv4", "", &net.TCPAddr{IP: net.IPv4zero, Port: 8090}, ""},
		{"allIPv6", "", &net.TCPAddr{IP: net.IPv6unspecified, Port: 8090}, ""},
		{"flag", "http://basiq-mock:8090", &net.TCPAddr{IP: net.IPv4zero, Port: 8090}, "http://basiq-mock:8090"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := linkBase(tt.flag, tt.addr); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRun_wildcardLinksFollowHost checks that a server listening on all interfaces (as in
// docker-compose, -addr 0.0.0.0:8090) writes links on the Host its clients use, not 0.0.0.0.
func TestRun_wildcardLinksFollowHost(t *testing.T) {
	o, err := parseFlags([]string{"basiq-mock"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := basiqtest.New(o.serverOptions(linkBase("", &net.TCPAddr{IP: net.IPv4zero, Port: 8090}))...)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	res, body := post(t, hs.URL+"/token", "Basic k3y")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || res.StatusCode != 200 {
		t.Fatalf("POST /token: got %d %s", res.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", hs.URL+"/institutions/AU00000", nil)
	req.Host = "basiq-mock:8090"
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var inst struct{ Links struct{ Self string } }
	_ = json.NewDecoder(res.Body).Decode(&inst)
	if want := "http://basiq-mock:8090/institutions/AU00000"; inst.Links.Self != want {
		t.Errorf("got self link %q, want %q", inst.Links.Self, want)
	}
}

func TestOptions_api3(t *testing.T) {
	o, err := parseFlags([]string{"basiq-mock", "-consent-redirect", "https://app.example/back", "-token-limit", "1",
		"-token-window", "1m", "-refresh-limit", "3", "-webhook-retries", "1ms,2ms", "-consent-ttl", "1h", "-event-limit", "7"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if d := o.hookRetries; len(d) != 2 || d[1] != 2*time.Millisecond || o.refreshLimit != 3 || o.consentTTL != time.Hour || o.consentRedirect != "https://app.example/back" || o.tokenLimit != 1 || o.eventLimit != 7 {
		t.Errorf("got %+v", o)
	}
	srv := httptest.NewServer(basiqtest.New(o.serverOptions("")...).Handler())
	defer srv.Close()
	if res, _ := post(t, srv.URL+"/token", "Basic k"); res.StatusCode != 200 {
		t.Fatalf("first token: %d", res.StatusCode)
	}
	if res, _ := post(t, srv.URL+"/token", "Basic k"); res.StatusCode != 429 {
		t.Errorf("second token with -token-limit 1: got %d, want 429", res.StatusCode)
	}
	res, err := http.Post(srv.URL+"/_mock/consent", "application/json", strings.NewReader(`{"userId":"nobody","institutionId":"AU00000","loginId":"a","password":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("POST /_mock/consent for no user: %d, want 404", res.StatusCode)
	}
}
