package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"

	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/internal/exitcode"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	appwebhook "github.com/basiq-worker/basiq-worker/tasks/webhook"
	"github.com/basiq-worker/basiq-worker/worker/webhook"
)

// env is a lookupEnv of m.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func secretKey() string {
	k := make([]byte, 32)
	rand.Read(k)
	return "k1:" + base64.StdEncoding.EncodeToString(k)
}

func TestRun_badConfig(t *testing.T) {
	good := map[string]string{"BASIQ_API_KEY": "key", "BASIQ_SECRET_KEY": secretKey()}
	tests := []struct {
		name, key, value string
	}{
		{"missing api key", "BASIQ_API_KEY", ""},
		{"bad concurrency", "WORKER_CONCURRENCY", "many"},
		{"bad poll factor", "POLL_FACTOR", "0.5"},
		{"bad log format", "LOG_FORMAT", "xml"},
		{"bad redis url", "REDIS_URL", "http://nope"},
		{"jitter of 1", "POLL_JITTER", "1"},
		{"negative step retries", "STEP_RETRIES", "-1"},
		{"bad step retry delay", "STEP_RETRY_DELAY", "soon"},
		{"zero poll max retry", "POLL_MAX_RETRY", "0"},
		{"bad task check interval", "TASK_CHECK_INTERVAL", "0s"},
		{"empty queues", "WORKER_QUEUES", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]string{}
			for k, v := range good {
				e[k] = v
			}
			e[tt.key] = tt.value
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"basiq-worker"}, env(e), &stdout, &stderr)
			if err == nil || exitcode.Of(err) != 2 || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("run = %v (exit %d), want exit 2 naming %s", err, exitcode.Of(err), tt.key)
			}
		})
	}
}

// TestRun_everyBadVariable: several bad variables are all named in one
// message, exit 2 (issue 9: only the first was).
func TestRun_everyBadVariable(t *testing.T) {
	e := map[string]string{"BASIQ_SECRET_KEY": secretKey(), "WORKER_CONCURRENCY": "many", "POLL_FACTOR": "0.5",
		"WORKER_QUEUES": "", "LOG_FORMAT": "xml"}
	err := run(context.Background(), []string{"basiq-worker"}, env(e), io.Discard, io.Discard)
	if exitcode.Of(err) != 2 {
		t.Fatalf("run = %v (exit %d), want exit 2", err, exitcode.Of(err))
	}
	for _, name := range []string{"BASIQ_API_KEY", "WORKER_CONCURRENCY", "POLL_FACTOR", "WORKER_QUEUES", "LOG_FORMAT"} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestRun_help(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"basiq-worker", "-h"}, env(nil), &stdout, &stderr); err != nil {
		t.Fatalf("run -h = %v", err)
	}
	for _, v := range config.Variables(config.DefaultWorker()) {
		if !strings.Contains(stdout.String(), v.Name) {
			t.Errorf("-h does not list %s", v.Name)
		}
	}
	if !strings.Contains(stdout.String(), "redis://127.0.0.1:6379/0") {
		t.Error("-h does not show the defaults")
	}
}

func TestRun_badFlag(t *testing.T) {
	err := run(context.Background(), []string{"basiq-worker", "-nope"}, env(nil), io.Discard, io.Discard)
	if exitcode.Of(err) != 2 {
		t.Errorf("run -nope = %v (exit %d), want exit 2", err, exitcode.Of(err))
	}
}

// TestRun_serves runs the binary's run against Redis and a fake Basiq: it
// serves /healthz, processes a connection and stops on cancel.
func TestRun_serves(t *testing.T) {
	rdb := testredis.Client(t)
	srv := basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: 100 * time.Millisecond, Accounts: 100 * time.Millisecond, Transactions: 100 * time.Millisecond}))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	queue, ns, key := testredis.Queue(t, "cmdtest"), testredis.Namespace(t, "cmdtest"), secretKey()
	testredis.CleanupQueue(t, webhook.DefaultQueueFor(ns))
	hooks := make(chan *http.Request, 10)
	secret := make([]byte, 32)
	rand.Read(secret)
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := appwebhook.Verify(secret, r.Header, body, time.Now(), 0); err != nil {
			t.Errorf("webhook: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		hooks <- r
	}))
	defer hookSrv.Close()
	e := map[string]string{
		"WEBHOOK_URL": hookSrv.URL, "WEBHOOK_SECRET": "whsec_" + base64.StdEncoding.EncodeToString(secret),
		"BASIQ_API_KEY": "key", "BASIQ_SECRET_KEY": key, "BASIQ_BASE_URL": srv.URL, "BASIQ_API_VERSION": "2.0",
		"WORKER_QUEUES": queue, "REDIS_URL": "redis://" + testredis.Addr() + "/0", "REDIS_NAMESPACE": ns, "HTTP_ADDR": addr, "LOG_LEVEL": "warn",
		"POLL_INITIAL_DELAY": "200ms", "WORKER_SHUTDOWN_TIMEOUT": "2s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() { done <- run(ctx, []string{"basiq-worker"}, env(e), &logs, io.Discard) }()

	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(end) {
			t.Fatalf("/healthz not up: %v", err)
		}
	}

	api, _ := sdk.New("app", sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("2.0"))
	u, err := api.Users.Create(context.Background(), sdk.UserParams{Email: "g@hooli.com"})
	if err != nil {
		t.Fatal(err)
	}
	kr, _ := tasks.ParseKeyring(key)
	client := tasks.NewClient(rdb, kr, tasks.WithDefaultQueue(queue), tasks.WithNamespace(ns))
	id, err := client.CreateConnection(context.Background(), tasks.CreateConnection{UserID: u.ID, InstitutionID: "AU00000",
		Credentials: tasks.Credentials{LoginID: "gavinBelson", Password: "hooli2016"}})
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	r, err := client.Wait(wctx, id)
	if err != nil || r.Outcome != tasks.OutcomeCompleted {
		t.Fatalf("result = %+v, %v", r, err)
	}
	tokenKeys, _ := rdb.Keys(context.Background(), "{"+ns+"}:basiq:token:*").Result()
	for _, k := range tokenKeys {
		if v, _ := rdb.Get(context.Background(), k).Result(); strings.Contains(v, "accessToken") || !strings.Contains(v, "sealed") {
			t.Errorf("Basiq token in Redis not sealed: %s", v)
		}
	}
	if len(tokenKeys) == 0 {
		t.Error("no Basiq token shared in Redis")
	}
	select {
	case r := <-hooks:
		if got := r.Header.Get(wire.HeaderWebhookID); got != "result:"+r0(t, r) {
			t.Errorf("webhook-id = %s", got)
		}
	case <-time.After(10 * time.Second):
		t.Error("no webhook delivered")
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte("basiq_worker_polls_total")) {
		t.Error("/metrics lacks basiq_worker_polls_total")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if errors.Is(ctx.Err(), context.Canceled) && bytes.Contains(logs.Bytes(), []byte("hooli2016")) {
		t.Error("the password is in the log")
	}
}

// r0 returns the job id of the result event in a webhook body.
func r0(t *testing.T, r *http.Request) string {
	var e tasks.Event
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil || e.Result == nil {
		t.Fatalf("webhook body: %v", err)
	}
	return e.Result.JobID
}
