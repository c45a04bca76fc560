package main

// Real-process tests: basiq-dev run as a child process (this test binary
// re-executed as the real main, see TestMain), on free ports, stopped by
// t.Cleanup with SIGTERM (it must exit 0: a data race in the child, under
// -race, fails the test), driven as a person and Basiq would: a browser in
// the Consent UI, the fake's webhooks, and deliveries of the test's own.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/browser"
	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// childEnv, in the environment, makes the test binary basiq-dev itself.
const childEnv = "BASIQ_DEV_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// devProcess is a running basiq-dev child and what its banner says.
type devProcess struct {
	stdout, stderr *syncbuf.Buffer
	consentURL     string // the demo user's Consent UI link
	hookURL        string // where the worker receives Basiq's webhooks
	fakeURL        string
	rdb            *redis.Client // the child's embedded Redis
}

// devEnvKeys are the variables basiq-dev reads: the child gets only the
// test's own.
var devEnvKeys = []string{"REDIS_URL", "REDIS_NAMESPACE", "API_TOKENS", "BASIQ_SECRET_KEY", "BASIQ_WEBHOOK_SECRET",
	"WEBHOOK_URL", "WEBHOOK_SECRET", "UI_USERNAME", "UI_PASSWORD"}

// startDev runs basiq-dev with args (and -http, -api on free ports, no
// demo) and env, and waits for its banner.
func startDev(t *testing.T, env []string, args ...string) *devProcess {
	t.Helper()
	args = append([]string{"-http", "127.0.0.1:0", "-api", "127.0.0.1:0", "-demo", "0", "-log-level", "warn"}, args...)
	cmd := exec.Command(os.Args[0], args...)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains(devEnvKeys, k) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, childEnv+"=1"), env...)
	p := &devProcess{stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stopDev(t, cmd, exited, p) })
	banner := regexp.MustCompile(`(?m)^  basiqctl: `)
	for deadline := time.Now().Add(60 * time.Second); !banner.MatchString(p.stdout.String()); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("basiq-dev exited before its banner: %v\nstdout:\n%s\nstderr:\n%s", err, p.stdout, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner in 60s\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
		}
	}
	out := p.stdout.String()
	p.consentURL = bannerField(t, out, `consent UI: (\S+)`)
	p.hookURL = bannerField(t, out, `Basiq's webhooks to (\S+) `)
	p.fakeURL = bannerField(t, out, `fake Basiq: (\S+)`)
	p.rdb = redis.NewClient(&redis.Options{Addr: bannerField(t, out, `embedded \(miniredis\) at redis://(\S+) `)})
	t.Cleanup(func() { p.rdb.Close() })
	return p
}

// stopDev sends SIGTERM and wants a clean exit within 20s (else kills it).
func stopDev(t *testing.T, cmd *exec.Cmd, exited chan error, p *devProcess) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("basiq-dev after SIGTERM: %v\nstderr:\n%s", err, p.stderr)
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Errorf("basiq-dev did not stop within 20s of SIGTERM\nstderr:\n%s", p.stderr)
	}
}

func bannerField(t *testing.T, out, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the banner lacks %s:\n%s", re, out)
	}
	return m[1]
}

// awaitResult reads the child's results stream from the start until the
// result of jobID, or fails after 60s.
func (p *devProcess) awaitResult(t *testing.T, jobID string) *tasks.Result {
	t.Helper()
	return p.awaitEvent(t, func(e tasks.Event) bool {
		return e.Type == tasks.EventResult && e.Result != nil && e.Result.JobID == jobID
	}).Result
}

// awaitEvent reads the child's results stream from the start until an
// event that match accepts, or fails after 60s.
func (p *devProcess) awaitEvent(t *testing.T, match func(tasks.Event) bool) tasks.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for e, err := range tasks.NewClient(p.rdb, nil).Results(ctx, "0") {
		if err != nil {
			t.Fatalf("no such event on the results stream: %v\nstdout:\n%s\nstderr:\n%s", err, p.stdout, p.stderr)
		}
		if match(e) {
			return e
		}
	}
	t.Fatal("the results stream ended")
	return tasks.Event{}
}

// TestProcess_consentInBrowser: a person's journey in headless Chromium.
// The banner's Consent UI link, a sandbox bank and login typed in, the
// redirect to basiq-dev's callback page, which shows the job pending, then
// (its event stream) the completed result; a reload follows it once. Then
// the consent revoked on the Consent UI's manage page: consent_revoked.
func TestProcess_consentInBrowser(t *testing.T) {
	b := browser.ForTest(t)
	// A 3.6 s job: the callback page is up long before its result.
	p := startDev(t, nil, "-step-credentials", "300ms", "-step-accounts", "3s", "-step-transactions", "300ms", "-jitter", "0")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	must(t, b.Navigate(ctx, p.consentURL))
	must(t, b.Fill(ctx, "#institution", "AU00000"))
	must(t, b.Fill(ctx, "#loginId", "gavinBelson"))
	must(t, b.Fill(ctx, "#password", "hooli2016"))
	must(t, b.Click(ctx, "#consent"))
	must(t, b.Click(ctx, "#submit"))
	must(t, b.WaitFor(ctx, `location.pathname === "/callback" && document.readyState === "complete"`))
	pending, err := b.String(ctx, `(() => { const s = document.querySelector("section.job"); return s ? (s.dataset.outcome || "pending") : "none"; })()`)
	must(t, err)
	if pending != "pending" {
		t.Fatalf("the callback page shows %q on arrival, want the job pending (it takes 3.6s at the fake)", pending)
	}
	must(t, b.WaitFor(ctx, `!!document.querySelector("section.job[data-outcome]")`))
	job := pageJob(ctx, t, b)
	if job.Outcome != "completed" || job.Accounts == "0" || !strings.Contains(job.Steps, "retrieve-transactions: success") {
		t.Fatalf("the callback page shows %+v, want a completed job with accounts and its steps", job)
	}
	r := p.awaitResult(t, job.Job)
	if r.TaskID != job.Task || r.TaskID != followTaskID(job.Job) || r.Outcome != tasks.OutcomeCompleted {
		t.Fatalf("result %+v, want job %s completed by the page's task %s", r, job.Job, job.Task)
	}

	must(t, b.Navigate(ctx, mustString(ctx, t, b, `location.href`)))
	again := pageJob(ctx, t, b)
	if again != job {
		t.Fatalf("after a reload the page shows %+v, want %+v at once", again, job)
	}

	// The consent revoked on the Consent UI's manage page: back on the
	// callback page with nothing to follow, and consent_revoked published.
	user := mustString(ctx, t, b, `document.querySelector("#user").textContent`)
	must(t, b.Click(ctx, "#manage"))
	must(t, b.WaitFor(ctx, `!!document.querySelector("#revoke")`))
	must(t, b.Click(ctx, "#revoke"))
	must(t, b.WaitFor(ctx, `location.pathname === "/callback" && !!document.querySelector("#nojob")`))
	if got := mustString(ctx, t, b, `document.querySelector("#user").textContent`); got != user {
		t.Fatalf("back from the revoke for user %q, want %q", got, user)
	}
	p.awaitEvent(t, func(e tasks.Event) bool {
		return e.Type == tasks.EventConsentRevoked && e.Basiq != nil && e.Basiq.UserID == user
	})
}

// shownJob is what the callback page shows of its (first) job.
type shownJob struct{ Job, Task, Outcome, Accounts, Steps string }

func pageJob(ctx context.Context, t *testing.T, b *browser.Browser) shownJob {
	t.Helper()
	v, err := b.Eval(ctx, `(() => { const s = document.querySelector("section.job");
		return {Job: s.dataset.job, Task: s.dataset.task, Outcome: s.dataset.outcome || "",
			Accounts: (s.querySelector(".accounts") || {}).textContent || "", Steps: s.querySelector(".steps").textContent}; })()`)
	must(t, err)
	var j shownJob
	must(t, json.Unmarshal(v, &j))
	return j
}

func mustString(ctx context.Context, t *testing.T, b *browser.Browser, expr string) string {
	t.Helper()
	s, err := b.String(ctx, expr)
	must(t, err)
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestProcess_webhookOnlyJourney: a user consents (the fake's JSON Consent
// UI) and never comes back to the callback page; Basiq's connection.created
// webhook alone gets the job followed, and its result published.
func TestProcess_webhookOnlyJourney(t *testing.T) {
	p := startDev(t, nil, "-step-credentials", "100ms", "-step-accounts", "100ms", "-step-transactions", "100ms")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	api, err := sdk.New(devAPIKey, sdk.WithBaseURL(p.fakeURL), sdk.WithAPIVersion("3.0"))
	must(t, err)
	u, err := api.Users.Create(ctx, sdk.UserParams{Email: "webhook-only@example.com"})
	must(t, err)
	var res mockConsent
	must(t, httpCall(ctx, http.MethodPost, p.fakeURL+"/_mock/consent", map[string]any{"userId": u.ID,
		"institutionId": "AU00000", "loginId": "gavinBelson", "password": "hooli2016"}, http.StatusCreated, &res))
	if len(res.JobIDs) != 1 {
		t.Fatalf("consent made jobs %v, want one", res.JobIDs)
	}
	r := p.awaitResult(t, res.JobIDs[0])
	if r.Outcome != tasks.OutcomeCompleted || r.UserID != u.ID || !strings.HasPrefix(r.TaskID, tasks.TypeFollowJobs+":basiq-event:") {
		t.Fatalf("result %+v, want user %s's job completed by the webhook's follow", r, u.ID)
	}
	if _, err := asynq.NewInspectorFromRedisClient(p.rdb).GetTaskInfo(tasks.DefaultQueue, followTaskID(res.JobIDs[0])); !errors.Is(err, asynq.ErrTaskNotFound) {
		t.Fatalf("the callback's follow task of the job: %v, want none (no app follow)", err)
	}
}

// TestProcess_refusedWebhooks: deliveries to the worker's receiver with a
// bad signature, a stale timestamp and a replayed id are refused
// (401/401/409) and change nothing: no id remembered, no task, no event
// on the results stream; the deliveries it accepts become events.
func TestProcess_refusedWebhooks(t *testing.T) {
	secret := newHookSecret(t)
	p := startDev(t, []string{"BASIQ_WEBHOOK_SECRET=" + secret})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type delivery struct {
		name, id, user string
		secret         string
		at             time.Time
		want           int
		accepted       bool // becomes an event
	}
	now := time.Now()
	tests := []delivery{
		{"accepted", "msg_ok", "user-ok", secret, now, http.StatusAccepted, true},
		{"bad signature", "msg_badsig", "user-badsig", newHookSecret(t), now, http.StatusUnauthorized, false},
		{"stale timestamp", "msg_stale", "user-stale", secret, now.Add(-10 * time.Minute), http.StatusUnauthorized, false},
		{"replayed id", "msg_ok", "user-ok", secret, now, http.StatusConflict, false},
		{"another accepted", "msg_ok2", "user-ok2", secret, now, http.StatusAccepted, true},
	}
	for _, d := range tests {
		body := fmt.Sprintf(`{"eventId":"evt-%s","eventTypeId":"transactions.updated","userId":%q,"links":{"eventEntity":"%s/users/%s/connections/conn-1"}}`,
			d.id, d.user, p.fakeURL, d.user)
		if got := sendHook(ctx, t, p.hookURL, d.secret, d.id, d.at, body); got != d.want {
			t.Errorf("%s: status %d, want %d", d.name, got, d.want)
		}
	}
	// The accepted deliveries' events are on the stream: what is not there now never will be.
	events := map[string]int{} // user -> basiq events
	for deadline := time.Now().Add(45 * time.Second); events["user-ok"] == 0 || events["user-ok2"] == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the accepted deliveries' events are not on the results stream: %v\nstderr:\n%s", events, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
		evs, err := tasks.NewClient(p.rdb, nil).ReadResults(ctx, "0", 1000, 0)
		must(t, err)
		clear(events)
		for _, e := range evs {
			if e.Type == tasks.EventBasiq && e.Basiq != nil {
				events[e.Basiq.UserID]++
			}
		}
	}
	ins := asynq.NewInspectorFromRedisClient(p.rdb)
	queues, err := ins.Queues()
	must(t, err)
	for _, d := range tests {
		if want := map[bool]int{true: 1}[d.accepted]; d.name != "replayed id" && events[d.user] != want {
			t.Errorf("%s: %d events of %s on the stream, want %d", d.name, events[d.user], d.user, want)
		}
		if d.accepted || d.name == "replayed id" {
			continue
		}
		if n := p.rdb.Exists(ctx, basiqhooks.SeenKey(tasks.DefaultNamespace, d.id)).Val(); n != 0 {
			t.Errorf("%s: webhook id %s remembered", d.name, d.id)
		}
		for _, q := range queues {
			if _, err := ins.GetTaskInfo(q, "basiq-event:"+d.id); !errors.Is(err, asynq.ErrTaskNotFound) {
				t.Errorf("%s: task basiq-event:%s in queue %s: %v, want none", d.name, d.id, q, err)
			}
		}
	}
	if events["user-ok"] != 1 {
		t.Errorf("the replayed delivery: %d events of user-ok, want the first delivery's one", events["user-ok"])
	}
}

// newHookSecret is a fresh Standard Webhooks secret.
func newHookSecret(t *testing.T) string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// sendHook posts body as Basiq would (signed under secret at at) and
// returns the status.
func sendHook(ctx context.Context, t *testing.T, url, secret, id string, at time.Time, body string) int {
	t.Helper()
	sig, err := sdk.SignWebhook(secret, id, at, []byte(body))
	must(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
	must(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", fmt.Sprint(at.Unix()))
	req.Header.Set("webhook-signature", sig)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode
}
