package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

func createBody(user string) map[string]any {
	return map[string]any{"userId": user, "institutionId": "AU00000",
		"credentials": map[string]any{"loginId": "gavinBelson", "password": "hooli2016-secret"}}
}

// apiCase is one request and the answer it must get.
type apiCase struct {
	name      string
	method    string
	path      string
	body      any
	headers   []string
	status    int
	wantValid bool   // the request conforms to openapi.json
	param     string // the invalid-params name the problem must carry
}

func runCases(t *testing.T, c *contract, f *fixture, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := c.call(t, f, tc.wantValid, tc.method, tc.path, tc.body, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.param != "" {
				assertParam(t, body, tc.param)
			}
			if strings.Contains(string(body), "hooli2016-secret") {
				t.Errorf("the answer echoes the password: %s", body)
			}
		})
	}
}

func assertParam(t *testing.T, body []byte, name string) {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem: %v: %s", err, body)
	}
	for _, ip := range p.InvalidParams {
		if ip.Name == name {
			return
		}
	}
	t.Errorf("invalid-params %+v, want one named %q", p.InvalidParams, name)
}

// TestContract sends every operation's success and error answers through
// a real server and validates requests and answers against openapi.json;
// it fails when a response the document declares was never produced.
func TestContract(t *testing.T) {
	c := loadContract(t)
	f := newFixture(t)
	done := f.publish(sampleResult("t-done", "u-1", "j-done"))
	_ = done
	f.progress(sampleProgress("t-done", "u-1", "j-done"))
	f.progress(sampleProgress("t-prog", "u-1", "j-prog")) // followed: no asynq record left, no result yet
	longKey := strings.Repeat("k", 129)
	runCases(t, c, f, []apiCase{
		{"create", "POST", "/v1/connections", createBody("u-1"), nil, 202, true, ""},
		{"create idempotent", "POST", "/v1/connections", createBody("u-1"), []string{"Idempotency-Key", "key-1"}, 202, true, ""},
		{"create same key again", "POST", "/v1/connections", createBody("u-1"), []string{"Idempotency-Key", "key-1"}, 202, true, ""},
		{"create same key other body", "POST", "/v1/connections", createBody("u-2"), []string{"Idempotency-Key", "key-1"}, 409, true, "Idempotency-Key"},
		{"create bad key", "POST", "/v1/connections", createBody("u-1"), []string{"Idempotency-Key", longKey}, 400, false, "Idempotency-Key"},
		{"create no password", "POST", "/v1/connections", map[string]any{"userId": "u-1", "institutionId": "AU00000",
			"credentials": map[string]any{"loginId": "x"}}, nil, 400, false, "credentials.password"},
		{"create bad institution", "POST", "/v1/connections", map[string]any{"userId": "u-1", "institutionId": "bank",
			"credentials": map[string]any{"loginId": "x", "password": "hooli2016-secret"}}, nil, 400, false, "institutionId"},
		{"create unknown field", "POST", "/v1/connections", `{"userId":"u-1","extra":1}`, nil, 400, false, "extra"},
		{"create wrong type", "POST", "/v1/connections", `{"userId":5}`, nil, 400, false, "userId"},
		{"create bad JSON", "POST", "/v1/connections", `{"userId":`, nil, 400, false, "body"},
		{"create too large", "POST", "/v1/connections", bigBody(70 << 10), nil, 413, false, ""},
		{"create not JSON", "POST", "/v1/connections", "x", []string{"Content-Type", "text/plain"}, 415, false, ""},
		{"create no token", "POST", "/v1/connections", createBody("u-1"), []string{"Authorization", ""}, 401, true, ""},
		{"create wrong token", "POST", "/v1/connections", createBody("u-1"), []string{"Authorization", "Bearer nope"}, 401, true, ""},
		{"follow", "POST", "/v1/follows", map[string]any{"userId": "u-1", "jobIds": []string{"j-1", "j-2"}}, nil, 202, true, ""},
		{"follow no jobs", "POST", "/v1/follows", map[string]any{"userId": "u-1", "jobIds": []string{}}, nil, 400, false, "jobIds"},
		{"follow job twice", "POST", "/v1/follows", map[string]any{"userId": "u-1", "jobIds": []string{"j-1", "j-1"}}, nil, 400, false, "jobIds[1]"},
		{"follow bad job", "POST", "/v1/follows", map[string]any{"userId": "u-1", "jobIds": []string{"j 1"}}, nil, 400, false, "jobIds[0]"},
		{"follow too large", "POST", "/v1/follows", bigBody(70 << 10), nil, 413, false, ""},
		{"follow not JSON", "POST", "/v1/follows", "x", []string{"Content-Type", "text/plain"}, 415, false, ""},
		{"follow no token", "POST", "/v1/follows", map[string]any{"userId": "u-1", "jobIds": []string{"j-1"}}, []string{"Authorization", ""}, 401, true, ""},
		{"follow key", "POST", "/v1/follows", map[string]any{"userId": "u-1", "jobIds": []string{"j-1"}}, []string{"Idempotency-Key", "key-f"}, 202, true, ""},
		{"follow key other jobs", "POST", "/v1/follows", map[string]any{"userId": "u-1", "jobIds": []string{"j-2"}}, []string{"Idempotency-Key", "key-f"}, 409, true, "Idempotency-Key"},
		{"refresh all", "POST", "/v1/users/u-1/refresh", nil, nil, 202, true, ""},
		{"refresh all empty object", "POST", "/v1/users/u-1/refresh", `{}`, nil, 202, true, ""},
		{"refresh all bad user", "POST", "/v1/users/u%201/refresh", nil, nil, 400, false, "userId"},
		{"refresh all body", "POST", "/v1/users/u-1/refresh", `{"x":1}`, nil, 400, false, "x"},
		{"refresh all too large", "POST", "/v1/users/u-1/refresh", bigBody(70 << 10), nil, 413, false, ""},
		{"refresh all not JSON", "POST", "/v1/users/u-1/refresh", "x", []string{"Content-Type", "text/plain"}, 415, false, ""},
		{"refresh all no token", "POST", "/v1/users/u-1/refresh", nil, []string{"Authorization", ""}, 401, true, ""},
		{"refresh all key reused", "POST", "/v1/users/u-2/refresh", nil, []string{"Idempotency-Key", "key-r"}, 202, true, ""},
		{"refresh all key other user", "POST", "/v1/users/u-3/refresh", nil, []string{"Idempotency-Key", "key-r"}, 409, true, "Idempotency-Key"},
		{"refresh one", "POST", "/v1/users/u-1/connections/c-1/refresh", nil, nil, 202, true, ""},
		{"refresh one bad connection", "POST", "/v1/users/u-1/connections/c%3A1/refresh", nil, nil, 400, false, "connectionId"},
		{"refresh one body", "POST", "/v1/users/u-1/connections/c-1/refresh", `[1]`, nil, 400, false, "body"},
		{"refresh one too large", "POST", "/v1/users/u-1/connections/c-1/refresh", bigBody(70 << 10), nil, 413, false, ""},
		{"refresh one not JSON", "POST", "/v1/users/u-1/connections/c-1/refresh", "x", []string{"Content-Type", "text/plain"}, 415, false, ""},
		{"refresh one no token", "POST", "/v1/users/u-1/connections/c-1/refresh", nil, []string{"Authorization", ""}, 401, true, ""},
		{"refresh one key", "POST", "/v1/users/u-1/connections/c-1/refresh", nil, []string{"Idempotency-Key", "key-c"}, 202, true, ""},
		{"refresh one key other connection", "POST", "/v1/users/u-1/connections/c-2/refresh", nil, []string{"Idempotency-Key", "key-c"}, 409, true, "Idempotency-Key"},
		{"mfa", "POST", "/v1/jobs/j-1/mfa", map[string]any{"userId": "u-1", "answers": []string{"1234"}}, nil, 202, true, ""},
		{"mfa no answers", "POST", "/v1/jobs/j-1/mfa", map[string]any{"userId": "u-1", "answers": []string{}}, nil, 400, false, "answers"},
		{"mfa empty answer", "POST", "/v1/jobs/j-1/mfa", map[string]any{"userId": "u-1", "answers": []string{""}}, nil, 400, false, "answers[0]"},
		{"mfa no user", "POST", "/v1/jobs/j-1/mfa", map[string]any{"answers": []string{"1"}}, nil, 400, false, "userId"},
		{"mfa too large", "POST", "/v1/jobs/j-1/mfa", bigBody(70 << 10), nil, 413, false, ""},
		{"mfa not JSON", "POST", "/v1/jobs/j-1/mfa", "x", []string{"Content-Type", "text/plain"}, 415, false, ""},
		{"mfa no token", "POST", "/v1/jobs/j-1/mfa", map[string]any{"userId": "u-1", "answers": []string{"1"}}, []string{"Authorization", ""}, 401, true, ""},
		{"mfa key", "POST", "/v1/jobs/j-1/mfa", map[string]any{"userId": "u-1", "answers": []string{"1"}}, []string{"Idempotency-Key", "key-m"}, 202, true, ""},
		{"mfa key other answer", "POST", "/v1/jobs/j-1/mfa", map[string]any{"userId": "u-1", "answers": []string{"2"}}, []string{"Idempotency-Key", "key-m"}, 409, true, "Idempotency-Key"},
		{"task done", "GET", "/v1/tasks/t-done", nil, nil, 200, true, ""},
		{"task following with progress", "GET", "/v1/tasks/t-prog", nil, nil, 200, true, ""},
		{"task unknown", "GET", "/v1/tasks/t-nope", nil, nil, 404, true, ""},
		{"task no token", "GET", "/v1/tasks/t-done", nil, []string{"Authorization", ""}, 401, true, ""},
		{"result", "GET", "/v1/tasks/t-done/result", nil, nil, 200, true, ""},
		{"result waited", "GET", "/v1/tasks/t-done/result?wait=2s", nil, nil, 200, true, ""},
		{"result unknown", "GET", "/v1/tasks/t-nope/result?wait=1s", nil, nil, 404, true, ""},
		{"result bad wait", "GET", "/v1/tasks/t-done/result?wait=forever", nil, nil, 400, false, "wait"},
		{"result wait too long", "GET", "/v1/tasks/t-done/result?wait=10m", nil, nil, 400, true, "wait"},
		{"result no token", "GET", "/v1/tasks/t-done/result", nil, []string{"Authorization", ""}, 401, true, ""},
		{"events bad resume", "GET", "/v1/events", nil, []string{"Last-Event-ID", "yesterday"}, 400, false, "Last-Event-ID"},
		{"events bad after", "GET", "/v1/events?after=x", nil, nil, 400, false, "after"},
		{"events no token", "GET", "/v1/events", nil, []string{"Authorization", ""}, 401, true, ""},
		{"consent unknown user", "GET", "/v1/users/u-1/consent-url", nil, nil, 404, true, ""},
		{"consent bad action", "GET", "/v1/users/u-1/consent-url?action=dance", nil, nil, 400, false, "action"},
		{"consent no token", "GET", "/v1/users/u-1/consent-url", nil, []string{"Authorization", ""}, 401, true, ""},
		{"openapi", "GET", "/v1/openapi.json", nil, nil, 200, true, ""},
		{"openapi no token", "GET", "/v1/openapi.json", nil, []string{"Authorization", ""}, 401, true, ""},
	})
	t.Run("pending task", func(t *testing.T) { contractPending(t, c, f) })
	t.Run("progress", func(t *testing.T) { contractProgress(t, c, f) })
	t.Run("events", func(t *testing.T) { contractEvents(t, c, f) })
	t.Run("consent", func(t *testing.T) { contractConsent(t, c) })
	t.Run("redis down", func(t *testing.T) { contractRedisDown(t, c) })
	t.Run("no keyring", func(t *testing.T) { contractNoKeyring(t, c) })
	if m := c.missing(); len(m) > 0 {
		t.Errorf("answers declared in openapi.json but never produced and validated: %v", m)
	}
}

// contractPending: a task enqueued and not run is pending (200), and its
// result is not there yet (202 after the wait).
func contractPending(t *testing.T, c *contract, f *fixture) {
	resp, body := c.call(t, f, true, "POST", "/v1/users/u-9/refresh", nil)
	var e enqueued
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != 202 {
		t.Fatalf("enqueue: %d %s", resp.StatusCode, body)
	}
	_, body = c.call(t, f, true, "GET", "/v1/tasks/"+pathEscape(e.TaskID), nil)
	var v taskView
	if err := json.Unmarshal(body, &v); err != nil || v.State != "pending" || v.Queue != f.queue || v.Done {
		t.Fatalf("task view %s, want pending in queue %s", body, f.queue)
	}
	resp, body = c.call(t, f, true, "GET", "/v1/tasks/"+pathEscape(e.TaskID)+"/result?wait=300ms", nil)
	if resp.StatusCode != 202 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("result before it is published: %d %s, want 202 with Retry-After", resp.StatusCode, body)
	}
}

// contractProgress: GET /v1/tasks/{id} carries the task's latest progress
// as the worker stored it, null when there is none.
func contractProgress(t *testing.T, c *contract, f *fixture) {
	for _, tc := range []struct {
		id, state string
		polls     int
	}{
		{"t-prog", "following", 5},
		{"t-done", "expired", 5}, // no asynq record left, the result stored
	} {
		_, body := c.call(t, f, true, "GET", "/v1/tasks/"+tc.id, nil)
		var v taskView
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		if v.State != tc.state || v.Progress == nil || v.Progress.Polls != tc.polls || v.Progress.TaskID != tc.id ||
			len(v.Progress.Steps) != 2 || v.Progress.Steps[1].Title != "retrieve-accounts" {
			t.Errorf("task %s: %s, want state %s and its progress (%d polls, two steps)", tc.id, body, tc.state, tc.polls)
		}
	}
	resp, body := c.call(t, f, true, "POST", "/v1/users/u-8/refresh", nil)
	var e enqueued
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != 202 {
		t.Fatalf("enqueue: %d %s", resp.StatusCode, body)
	}
	_, body = c.call(t, f, true, "GET", "/v1/tasks/"+pathEscape(e.TaskID), nil)
	if !strings.Contains(string(body), `"progress":null`) {
		t.Errorf("pending task: %s, want \"progress\":null", body)
	}
}

// contractConsent: the real link builder (SDKConsent) against the fake
// Basiq: a link for a user of the fake holds a CLIENT_ACCESS token the fake
// issued for that user; an unknown user is 404; Basiq away is 502; no
// Basiq key is 503.
func contractConsent(t *testing.T, c *contract) {
	ok := newFixture(t)
	u, err := sdk.New("app-key", sdk.WithBaseURL(ok.fake.URL), sdk.WithAPIVersion("3.0"))
	if err != nil {
		t.Fatal(err)
	}
	user, err := u.Users.Create(context.Background(), sdk.UserParams{Email: "gavin@hooli.com"})
	if err != nil {
		t.Fatal(err)
	}
	tokensBefore := ok.fake.Stats().TokensIssued
	resp, body := c.call(t, ok, true, "GET", "/v1/users/"+user.ID+"/consent-url?action=connect&state=s-1", nil)
	var link struct{ URL string }
	if err := json.Unmarshal(body, &link); err != nil || resp.StatusCode != 200 {
		t.Fatalf("consent url: %d %s", resp.StatusCode, body)
	}
	lu, err := url.Parse(link.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := lu.Query()
	if !strings.HasPrefix(link.URL, ok.fake.URL+"/consent?") || q.Get("token") == "" || q.Get("action") != "connect" || q.Get("state") != "s-1" {
		t.Errorf("consent url %s, want the fake's /consent with a token, action=connect and state=s-1", link.URL)
	}
	if got := ok.fake.Stats().TokensIssued - tokensBefore; got != 1 {
		t.Errorf("tokens the fake issued for the link: %d, want 1 (the user's CLIENT_ACCESS token)", got)
	}
	// The token is the user's: it reads that user at the fake.
	req, _ := http.NewRequest("GET", ok.fake.URL+"/users/"+user.ID, nil)
	req.Header.Set("Authorization", "Bearer "+q.Get("token"))
	req.Header.Set("basiq-version", "3.0")
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 200 {
		t.Errorf("the link's token reading its user: %v %v, want 200", r, err)
	} else {
		r.Body.Close()
	}
	if resp, body := c.call(t, ok, true, "GET", "/v1/users/u-nobody/consent-url", nil); resp.StatusCode != 404 ||
		!strings.Contains(string(body), "unknown-user") {
		t.Errorf("consent url of a user the fake does not know: %d %s, want 404 unknown-user", resp.StatusCode, body)
	}
	down := newFixture(t, func(o *Options) { o.Consent = realConsent(t, "http://127.0.0.1:1") })
	if resp, body := c.call(t, down, true, "GET", "/v1/users/u-1/consent-url", nil); resp.StatusCode != 502 {
		t.Errorf("consent with Basiq down: %d %s, want 502", resp.StatusCode, body)
	}
	none := newFixture(t, func(o *Options) { o.Consent = nil })
	if resp, body := c.call(t, none, true, "GET", "/v1/users/u-1/consent-url", nil); resp.StatusCode != 503 {
		t.Errorf("consent without a Basiq key: %d %s, want 503", resp.StatusCode, body)
	}
}

// contractRedisDown: every operation that needs Redis answers 503 when it is away.
func contractRedisDown(t *testing.T, c *contract) {
	f := newFixture(t)
	f.rdb.Close() // the API's handle: every command now fails
	t.Cleanup(func() {})
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/connections", createBody("u-1")},
		{"POST", "/v1/users/u-1/refresh", nil},
		{"POST", "/v1/follows", map[string]any{"userId": "u-1", "jobIds": []string{"j-1"}}},
		{"POST", "/v1/users/u-1/connections/c-1/refresh", nil},
		{"POST", "/v1/jobs/j-1/mfa", map[string]any{"userId": "u-1", "answers": []string{"1"}}},
		{"GET", "/v1/tasks/t-1", nil},
		{"GET", "/v1/tasks/t-1/result?wait=1s", nil},
	} {
		if resp, body := c.call(t, f, true, tc.method, tc.path, tc.body); resp.StatusCode != 503 {
			t.Errorf("%s %s with Redis closed: %d %s, want 503", tc.method, tc.path, resp.StatusCode, body)
		}
	}
	if strings.Contains(f.log.String(), "hooli2016") {
		t.Errorf("the log holds the password: %s", f.log.String())
	}
}

// contractNoKeyring: a server that cannot seal answers 500, never enqueues plaintext.
func contractNoKeyring(t *testing.T, c *contract) {
	f := newFixture(t, func(o *Options) {})
	f2 := newFixture(t, func(o *Options) {
		o.Tasks = tasks.NewClient(f.rdb, nil, tasks.WithNamespace(f.ns), tasks.WithDefaultQueue(f.queue))
	})
	for _, tc := range []struct {
		path string
		body any
	}{
		{"/v1/connections", createBody("u-1")},
		{"/v1/jobs/j-1/mfa", map[string]any{"userId": "u-1", "answers": []string{"1"}}},
	} {
		if resp, body := c.call(t, f2, true, "POST", tc.path, tc.body); resp.StatusCode != 500 {
			t.Errorf("POST %s without a keyring: %d %s, want 500", tc.path, resp.StatusCode, body)
		}
	}
	var _ redis.UniversalClient = f.rdb
}
