// Package node_test runs the Node example (connect.mjs) with the machine's
// node against a real stack, as basiq-dev runs it: the worker process
// (internal/app) on real Redis, the fake Basiq server, and the HTTP API
// with its Consent UI links.
package node_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/app"
	"github.com/basiq-worker/basiq-worker/internal/httpapi"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

const apiToken = "node-example-token-0123456789"

// TestConnectExample runs connect.mjs's default journey (API 3.0: consent
// link, the fake's JSON Consent UI, a follow of the jobs handed back) and
// its credentials flow (--credentials, API 2.0), each against a worker
// speaking that version, and the credentials flow against API 3.0, where
// Basiq refuses it.
func TestConnectExample(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("TEST_NODE_REQUIRED") != "" || testredis.Required() {
			t.Fatalf("node not found: %v", err)
		}
		t.Skip("node not found on PATH")
	}
	fake := basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: 300 * time.Millisecond, Accounts: 300 * time.Millisecond, Transactions: 300 * time.Millisecond}))
	t.Cleanup(fake.Close)
	// the API's URL by version (the stacks live until the test ends), and
	// the 3.0 one behind a proxy that cuts its first event streams
	stacks := map[string]string{"3.0": startStack(t, "3.0", fake.URL), "2.0": startStack(t, "2.0", fake.URL)}
	cutter := newStreamCutter(t, stacks["3.0"])
	stacks["3.0 cut"] = cutter.url
	for _, c := range []struct {
		name, apiVersion string
		args             []string
		env              []string
		wantExit         int
		check            func(t *testing.T, out string, fakeURL string)
	}{
		{"consent flow under API 3.0 (default)", "3.0", nil, nil, 0, checkConsent},
		{"consent flow, event streams cut", "3.0 cut", nil, nil, 0, func(t *testing.T, out, fakeURL string) {
			checkConsent(t, out, fakeURL)
			cutter.check(t, out)
		}},
		{"credentials flow under API 2.0 (--credentials)", "2.0", []string{"--credentials"}, nil, 0, checkCredentials},
		{"credentials flow under API 2.0 (CONNECT_FLOW)", "2.0", nil, []string{"CONNECT_FLOW=credentials"}, 0, checkCredentials},
		{"credentials flow refused under API 3.0", "3.0", []string{"--credentials"}, nil, 1, checkRefused},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := stacks[c.apiVersion]
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, append([]string{"connect.mjs"}, c.args...)...)
			cmd.Env = append(os.Environ(), "BASIQ_API_URL="+api, "API_TOKEN="+apiToken,
				"BASIQ_URL="+fake.URL, "BASIQ_API_KEY=dev-api-key", "TIMEOUT_MS=45000", "CONNECT_FLOW=")
			cmd.Env = append(cmd.Env, c.env...)
			out, err := cmd.CombinedOutput()
			code := 0
			var exit *exec.ExitError
			switch {
			case errors.As(err, &exit):
				code = exit.ExitCode()
			case err != nil:
				t.Fatalf("node connect.mjs: %v\n%s", err, out)
			}
			if code != c.wantExit {
				t.Fatalf("node connect.mjs %s: exit status %d, want %d\n%s", strings.Join(c.args, " "), code, c.wantExit, out)
			}
			c.check(t, string(out), fake.URL)
		})
	}
}

// startStack runs a worker speaking apiVersion and the HTTP API (whose
// consent links point at the fake's Consent UI) on their own namespace
// and queue until the test ends, and returns the API's URL.
func startStack(t *testing.T, apiVersion, fakeURL string) string {
	t.Helper()
	rdb := testredis.Client(t)
	ns, q := testredis.Namespace(t, "node"), testredis.Queue(t, "node")
	key := make([]byte, tasks.KeySize)
	rand.Read(key)
	kr, err := tasks.NewKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatal(err)
	}
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)

	cfg := worker.DefaultConfig()
	cfg.Namespace, cfg.Keyring, cfg.Concurrency, cfg.Queues = ns, kr, 4, map[string]int{q: 1}
	cfg.APIKey, cfg.BaseURL, cfg.APIVersion = "dev-api-key", fakeURL, apiVersion
	cfg.DelayedTaskCheckInterval, cfg.TaskCheckInterval, cfg.ShutdownTimeout = 100*time.Millisecond, 50*time.Millisecond, 2*time.Second
	proc, err := app.New(app.Options{Redis: rdb, Worker: cfg, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})

	bc, err := sdk.New("dev-api-key", sdk.WithBaseURL(fakeURL), sdk.WithAPIVersion(apiVersion),
		sdk.WithConsentURL(fakeURL+"/consent"))
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Options{
		Tasks:     tasks.NewClient(rdb, kr, tasks.WithNamespace(ns), tasks.WithDefaultQueue(q)),
		Inspector: asynq.NewInspectorFromRedisClient(rdb), Redis: rdb, Namespace: ns,
		TokenHashes: []httpapi.TokenHash{httpapi.HashToken(apiToken)}, IdempotencySecret: key, Logger: log,
		Consent: httpapi.SDKConsent(bc)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv.URL
}

// output is what connect.mjs printed: its "name: value" lines and its
// results (the JSON lines).
type output struct {
	values  map[string]string
	results []tasks.Result
}

func parseOutput(t *testing.T, out string) output {
	t.Helper()
	o := output{values: map[string]string{}}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "{") {
			var r tasks.Result
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("result line %q: %v\n%s", l, err, out)
			}
			o.results = append(o.results, r)
		} else if k, v, ok := strings.Cut(l, ": "); ok && !strings.HasPrefix(l, " ") {
			if _, seen := o.values[k]; !seen {
				o.values[k] = v
			}
		}
	}
	return o
}

// checkCompleted: the example printed progress and one completed result
// of its task per job, with a connection and accounts.
func checkCompleted(t *testing.T, out string, o output, jobs int) {
	t.Helper()
	task := o.values["task"]
	if task == "" {
		t.Fatalf("no task line:\n%s", out)
	}
	if len(o.results) != jobs {
		t.Fatalf("%d results, want %d\n%s", len(o.results), jobs, out)
	}
	for _, res := range o.results {
		if res.Outcome != tasks.OutcomeCompleted || res.TaskID != task || res.UserID != o.values["user"] ||
			res.ConnectionID == "" || len(res.Accounts) == 0 {
			t.Errorf("result %+v of task %q, want completed with a connection and accounts\n%s", res, task, out)
		}
	}
	if !strings.Contains(out, "progress: verify-credentials=") {
		t.Errorf("no progress line:\n%s", out)
	}
}

// checkConsent: the 3.0 journey went through a consent link of the
// fake's Consent UI, said that the JSON consent is a test-only shortcut,
// and followed the job handed back.
func checkConsent(t *testing.T, out, fakeURL string) {
	o := parseOutput(t, out)
	if o.values["flow"] != "consent" {
		t.Errorf("flow %q, want consent\n%s", o.values["flow"], out)
	}
	link := o.values["consent url"]
	if !strings.HasPrefix(link, fakeURL+"/consent?") || !strings.Contains(link, "token=") || !strings.Contains(link, "state=") {
		t.Errorf("consent url %q, want the fake's Consent UI with a token and the state\n%s", link, out)
	}
	for _, want := range []string{"a real app sends the user's browser there", "POST /_mock/consent (test-only)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}
	jobs := strings.Fields(o.values["jobs"])
	if len(jobs) == 0 {
		t.Fatalf("no job ids printed\n%s", out)
	}
	checkCompleted(t, out, o, len(jobs))
	for _, r := range o.results {
		if !slices.Contains(jobs, r.JobID) || r.Kind != tasks.TypeFollowJobs {
			t.Errorf("result of job %q kind %q, want one of %v from %s", r.JobID, r.Kind, jobs, tasks.TypeFollowJobs)
		}
	}
}

// checkCredentials: the 2.0 flow enqueued a credentials create and it completed.
func checkCredentials(t *testing.T, out, _ string) {
	o := parseOutput(t, out)
	if o.values["flow"] != "credentials" || strings.Contains(out, "consent url") {
		t.Errorf("flow %q, want credentials with no consent link\n%s", o.values["flow"], out)
	}
	checkCompleted(t, out, o, 1)
	if r := o.results[0]; r.Kind != tasks.TypeCreateConnection {
		t.Errorf("result kind %q, want %s", r.Kind, tasks.TypeCreateConnection)
	}
}

// checkRefused: under 3.0 a credentials create ends failed with
// consent-flow-required, and the example says so.
func checkRefused(t *testing.T, out, _ string) {
	o := parseOutput(t, out)
	if len(o.results) != 1 {
		t.Fatalf("%d results, want 1\n%s", len(o.results), out)
	}
	r := o.results[0]
	if r.Outcome != tasks.OutcomeFailed || r.Error == nil || r.Error.Code != tasks.CodeConsentFlowRequired {
		t.Errorf("result %+v, want failed with %s", r, tasks.CodeConsentFlowRequired)
	}
	if !strings.Contains(out, "result: failed") || !strings.Contains(out, string(tasks.CodeConsentFlowRequired)) {
		t.Errorf("the failure is not printed:\n%s", out)
	}
}

// streamCutter is a proxy in front of the API that cuts the first
// GET /v1/events stream after its first progress event (or before its
// result, when no progress comes first) and the second right after it
// opens (the connection closed mid-response, as a network drop does),
// and records the Last-Event-ID of every stream asked for.
type streamCutter struct {
	url    string
	mu     sync.Mutex
	asked  []string // Last-Event-ID of each stream
	cuts   int
	target *url.URL
}

func newStreamCutter(t *testing.T, api string) *streamCutter {
	t.Helper()
	target, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	c := &streamCutter{target: target}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/events" {
			proxy.ServeHTTP(w, r)
			return
		}
		c.events(w, r)
	}))
	t.Cleanup(srv.Close)
	c.url = srv.URL
	return c
}

// events forwards one event stream block by block, cutting it as planned.
func (c *streamCutter) events(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.asked = append(c.asked, r.Header.Get("Last-Event-ID"))
	n := len(c.asked)
	c.mu.Unlock()
	req, err := http.NewRequestWithContext(r.Context(), r.Method, c.target.String()+r.URL.RequestURI(), nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	br := bufio.NewReader(resp.Body)
	var block strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		block.WriteString(line)
		if line != "\n" {
			continue
		}
		b := block.String()
		block.Reset()
		if n == 1 && strings.Contains(b, "event: result") {
			c.cut() // before the result: it must come on a later stream
		}
		if _, err := io.WriteString(w, b); err != nil || rc.Flush() != nil {
			return
		}
		if n == 1 && strings.Contains(b, "event: progress") || n == 2 {
			c.cut()
		}
	}
}

// cut counts a cut and closes the connection without ending the response.
func (c *streamCutter) cut() {
	c.mu.Lock()
	c.cuts++
	c.mu.Unlock()
	panic(http.ErrAbortHandler)
}

// check: the example was cut twice, said so, and came back each time
// with Last-Event-ID (0: the task's only durable event is its result).
func (c *streamCutter) check(t *testing.T, out string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cuts != 2 || len(c.asked) < 3 {
		t.Errorf("%d streams cut of %d asked for, want 2 cut and a third asked for\n%s", c.cuts, len(c.asked), out)
	}
	for i, id := range c.asked {
		if id != "0" {
			t.Errorf("stream %d asked for with Last-Event-ID %q, want 0", i+1, id)
		}
	}
	if got := strings.Count(out, "stream dropped"); got != 2 {
		t.Errorf("%d \"stream dropped\" lines, want 2\n%s", got, out)
	}
}
