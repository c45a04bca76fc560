package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// TestCallback_refused: the callback's routes refuse what basiq-dev did
// not start, naming what is wrong, and enqueue nothing.
func TestCallback_refused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := startInProcess(ctx, "-http", "127.0.0.1:0", "-api", "", "-demo", "0")
	cb := waitFor(t, &d.stdout, regexp.MustCompile(`callback:\s+(\S+) `))
	state := url.Values{"state": {"not-a-state-of-basiq-dev"}, "jobIds": {"j1"}}.Encode()
	tests := []struct {
		name, url  string
		wantStatus int
		wantText   string
	}{
		{"no job", cb + "?state=x", http.StatusBadRequest, "redirect cannot be read"},
		{"unknown state", cb + "?" + state, http.StatusBadRequest, "is not one of a Consent UI link basiq-dev made"},
		{"events of another task", strings.Replace(cb, callbackPath, eventsPath, 1) + "?task=some-create", http.StatusBadRequest, "not a follow of the callback page"},
		{"job of another task", strings.Replace(cb, callbackPath, jobPath, 1) + "?task=some-create", http.StatusBadRequest, "not a follow of the callback page"},
		{"connect for a stranger", strings.Replace(cb, callbackPath, connectPath, 1) + "?user=someone-else", http.StatusBadRequest, "not a user basiq-dev made"},
		{"connect for another action", strings.Replace(cb, callbackPath, connectPath, 1) + "?action=update", http.StatusBadRequest, "want manage or none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(b), tt.wantText) {
				t.Errorf("GET %s: %d %s, want %d naming %q", tt.url, resp.StatusCode, b, tt.wantStatus, tt.wantText)
			}
		})
	}
	rdb := redis.NewClient(&redis.Options{Addr: waitFor(t, &d.stdout, regexp.MustCompile(`at redis://(\S+) `))})
	defer rdb.Close()
	ins := asynq.NewInspectorFromRedisClient(rdb)
	queues, err := ins.Queues()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queues {
		if info, err := ins.GetQueueInfo(q); err != nil || info.Size+info.Completed+info.Archived > 0 {
			t.Errorf("queue %s after refused callbacks: %+v, %v; want no task", q, info, err)
		}
	}
	cancel()
	d.wait(t)
}

func TestLastStatuses(t *testing.T) {
	obs := func(pairs ...string) []tasks.StepObservation {
		var out []tasks.StepObservation
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, tasks.StepObservation{Title: pairs[i], Status: pairs[i+1]})
		}
		return out
	}
	tests := []struct {
		name     string
		in, want []tasks.StepObservation
	}{
		{"none", nil, nil},
		{"one each", obs("a", "success", "b", "failed"), obs("a", "success", "b", "failed")},
		{"a history", obs("a", "in-progress", "b", "pending", "a", "success", "b", "in-progress", "b", "success"), obs("a", "success", "b", "success")},
	}
	for _, tt := range tests {
		if got := lastStatuses(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: lastStatuses = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCallback_apiLink: a Consent UI link from the HTTP API's consent-url,
// with the app's own state, comes back to a callback page that knows
// the user and follows the job.
func TestCallback_apiLink(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := startInProcess(ctx, "-http", "127.0.0.1:0", "-api", "127.0.0.1:0", "-demo", "0")
	m := waitForAll(t, &d.stdout, regexp.MustCompile(`HTTP API:\s+(\S+)/v1/ \(Authorization: Bearer (\S+);`))
	base, token := m[1], m[2]
	fake := waitFor(t, &d.stdout, regexp.MustCompile(`fake Basiq: (\S+)`))
	bc, err := sdk.New(devAPIKey, sdk.WithBaseURL(fake))
	if err != nil {
		t.Fatal(err)
	}
	user, err := bc.Users.Create(ctx, sdk.UserParams{Email: "api-link@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	var link struct{ URL string }
	if code := call(t, "GET", base+"/v1/users/"+user.ID+"/consent-url?state=signup-42", token, "", &link); code != 200 {
		t.Fatalf("consent-url: %d", code)
	}
	if u, err := url.Parse(link.URL); err != nil || u.Query().Get("state") != "signup-42" {
		t.Fatalf("consent-url gave %q, want a link with the state", link.URL)
	}
	var res mockConsent
	if err := httpCall(ctx, http.MethodPost, fake+"/_mock/consent", map[string]any{"userId": user.ID, "institutionId": "AU00000",
		"loginId": "gavinBelson", "password": "hooli2016", "state": "signup-42"}, http.StatusCreated, &res); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(res.Redirect)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), followTaskID(res.JobIDs[0])) || !strings.Contains(string(b), user.ID) {
		t.Fatalf("callback page: %d\n%s\nwant 200 following job %v of user %s", resp.StatusCode, b, res.JobIDs, user.ID)
	}
	cancel()
	d.wait(t)
}

// TestCallback_twoJobs: a visit that connected two banks comes back with
// both jobs; the page follows each in a task of its own, and each gets its
// result.
func TestCallback_twoJobs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	d := startInProcess(ctx, "-http", "127.0.0.1:0", "-api", "127.0.0.1:0", "-demo", "0",
		"-step-credentials", "100ms", "-step-accounts", "100ms", "-step-transactions", "100ms")
	m := waitForAll(t, &d.stdout, regexp.MustCompile(`HTTP API:\s+(\S+)/v1/ \(Authorization: Bearer (\S+);`))
	base, token := m[1], m[2]
	fake := waitFor(t, &d.stdout, regexp.MustCompile(`fake Basiq: (\S+)`))
	cb := waitFor(t, &d.stdout, regexp.MustCompile(`callback:\s+(\S+) `))
	rdb := redis.NewClient(&redis.Options{Addr: waitFor(t, &d.stdout, regexp.MustCompile(`at redis://(\S+) `))})
	defer rdb.Close()
	bc, err := sdk.New(devAPIKey, sdk.WithBaseURL(fake))
	if err != nil {
		t.Fatal(err)
	}
	user, err := bc.Users.Create(ctx, sdk.UserParams{Email: "two-banks@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if code := call(t, "GET", base+"/v1/users/"+user.ID+"/consent-url?state=two-banks", token, "", nil); code != 200 {
		t.Fatalf("consent-url: %d", code)
	}
	var jobs []string
	for _, bank := range []map[string]any{
		{"institutionId": "AU00000", "loginId": "gavinBelson", "password": "hooli2016"},
		{"institutionId": "AU00001", "loginId": "gavinBelson", "password": "hooli2016", "mfa-response": []string{"1234"}},
	} {
		bank["userId"], bank["state"] = user.ID, "two-banks"
		var res mockConsent
		if err := httpCall(ctx, http.MethodPost, fake+"/_mock/consent", bank, http.StatusCreated, &res); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, res.JobIDs...)
	}
	page := cb + "?" + url.Values{"jobIds": {strings.Join(jobs, ",")}, "state": {"two-banks"}}.Encode()
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Count(string(b), `<section class="job"`) != 2 {
		t.Fatalf("callback page: %d\n%s\nwant 200 with two jobs", resp.StatusCode, b)
	}
	client := tasks.NewClient(rdb, nil)
	for _, j := range jobs {
		r, err := client.Wait(ctx, followTaskID(j))
		if err != nil || r.JobID != j || r.Outcome != tasks.OutcomeCompleted {
			t.Fatalf("task of job %s: %+v, %v; want its job completed", j, r, err)
		}
	}
	cancel()
	d.wait(t)
}
