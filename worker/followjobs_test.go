package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/basiqclient"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// newHarness3 is a harness whose worker speaks API 3.0, as by default.
func newHarness3(t *testing.T, opts ...basiqtest.Option) *harness {
	t.Helper()
	h := newHarness(t, opts...)
	api, err := sdk.New("worker-key-3", sdk.WithBaseURL(h.srv.URL), sdk.WithAPIVersion("3.0"),
		sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}),
		sdk.WithTokenStore(basiqclient.NewTokenStore(h.rdb, h.ns, "worker-key-3")),
		sdk.WithHTTPClient(&http.Client{Transport: h.rec, Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	h.cfg.Basiq, h.cfg.APIVersion = NewBasiq(api), ""
	return h
}

// consentJourney connects user through the fake's JSON Consent UI and
// returns the job ids it hands back.
func consentJourney(t *testing.T, srv *basiqtest.Server, user, institution string) []string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"userId": user, "institutionId": institution, "loginId": "gavinBelson", "password": "hooli2016"})
	res, err := http.Post(srv.URL+"/_mock/consent", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		JobIDs []string `json:"jobIds"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 201 || len(out.JobIDs) == 0 {
		t.Fatalf("POST /_mock/consent: %s, %+v, %v; want 201 with jobs", res.Status, out, err)
	}
	return out.JobIDs
}

func (h *harness) followJobs(user string, jobIDs []string, opts ...tasks.Enqueue) string {
	h.t.Helper()
	id, err := h.client.FollowJobs(context.Background(), tasks.FollowJobs{UserID: user, JobIDs: jobIDs}, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

func TestFollowJobs_consentJourney(t *testing.T) {
	h := newHarness3(t)
	h.start()
	user := h.user()
	jobs := consentJourney(t, h.srv, user, "AU00000")
	first := h.followJobs(user, jobs, tasks.Enqueue{IdempotencyKey: "state-1"})
	again := h.followJobs(user, jobs, tasks.Enqueue{IdempotencyKey: "state-1"}) // the callback page loaded twice
	second := h.followJobs(user, jobs)                                          // another follower of the same job
	if again != first {
		t.Fatalf("same idempotency key: task %s, then %s", first, again)
	}
	r1, r2 := h.wait(first, 15*time.Second), h.wait(second, 15*time.Second)
	for _, r := range []*tasks.Result{r1, r2} {
		if r.Outcome != tasks.OutcomeCompleted || r.Kind != tasks.TypeFollowJobs || r.UserID != user || r.JobID != jobs[0] ||
			r.ConnectionID == "" || len(r.Accounts) < 2 {
			t.Errorf("result = %+v (error %+v), want completed for job %s with a connection and accounts", r, r.Error, jobs[0])
		}
	}
	if r1.TaskID != first || r2.TaskID != second {
		t.Errorf("task ids = %s, %s; want %s, %s", r1.TaskID, r2.TaskID, first, second)
	}
	time.Sleep(300 * time.Millisecond) // a duplicate would come now
	results := 0
	for _, e := range h.events() {
		if e.Type == tasks.EventResult {
			results++
		}
	}
	if results != 2 {
		t.Errorf("results = %d, want 2 (one per task)", results)
	}
	owner, err := h.rdb.HGet(context.Background(), "{"+h.ns+"}:worker:follow:"+jobs[0], "owner").Result()
	if err != nil || (owner != first && owner != second) {
		t.Errorf("follower of %s = %q, %v; want one of the two tasks", jobs[0], owner, err)
	}
	if n := h.calls("POST /users/{uid}/connections"); n != 0 {
		t.Errorf("creates = %d, want 0 (a follow starts nothing)", n)
	}
}

// TestFollowJobs_mfa3: under 3.0 the MFA answer goes with the user's
// CLIENT_ACCESS token, which the fake requires.
func TestFollowJobs_mfa3(t *testing.T) {
	h := newHarness3(t)
	h.start()
	ctx := context.Background()
	user := h.user()
	taskID := h.followJobs(user, consentJourney(t, h.srv, user, "AU00001"))
	var mfa *tasks.MFARequired
	evCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for e, err := range h.sub.Results(evCtx, "0") {
		if err != nil {
			t.Fatalf("no mfa_required event: %v", err)
		}
		if e.Type == tasks.EventMFARequired && e.MFA.TaskID == taskID {
			mfa = e.MFA
			break
		}
	}
	if _, err := h.client.AnswerMFA(ctx, tasks.AnswerMFA{UserID: user, JobID: mfa.JobID, Answers: []string{"1234"}}); err != nil {
		t.Fatal(err)
	}
	r := h.wait(taskID, 15*time.Second)
	if r.Outcome != tasks.OutcomeCompleted || lastStatus(r.Steps, sdk.StepMFAChallenge) != sdk.StatusSuccess {
		t.Fatalf("result = %+v (error %+v), want completed through mfa-challenge", r, r.Error)
	}
}

// TestCreate_refusedUnder3: a credentials create or update fails at once
// under 3.0, naming the consent flow, and nothing reaches Basiq.
func TestCreate_refusedUnder3(t *testing.T) {
	h := newHarness3(t)
	h.start()
	ctx := context.Background()
	createID := h.create("u-1", "AU00000", "gavinBelson", "hooli2016")
	updateID, err := h.client.UpdateConnection(ctx, tasks.UpdateConnection{UserID: "u-1", ConnectionID: "c-1",
		Credentials: tasks.Credentials{Password: "hooli2017"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{createID, updateID} {
		r := h.wait(id, 10*time.Second)
		if r.Outcome != tasks.OutcomeFailed || r.Error == nil || r.Error.Code != tasks.CodeConsentFlowRequired ||
			!bytes.Contains([]byte(r.Error.Detail), []byte("Consent UI")) {
			t.Errorf("result of %s = %+v (error %+v), want failed %s naming the Consent UI", id, r, r.Error, tasks.CodeConsentFlowRequired)
		}
	}
	if reqs := h.rec.all(); len(reqs) != 0 {
		t.Errorf("the worker sent %d requests to Basiq (first %s %s), want none", len(reqs), reqs[0].method, reqs[0].path)
	}
}

// TestStepDurations_connectors3: under 3.0 the hints come from GET
// /connectors, under 2.0 from the institution.
func TestStepDurations_connectors3(t *testing.T) {
	srv := basiqtest.NewServer()
	defer srv.Close()
	for _, tc := range []struct{ version, route string }{
		{"3.0", "GET /connectors"}, {"2.0", "GET /institutions/{id}"},
	} {
		api, err := sdk.New("key-"+tc.version, sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion(tc.version))
		if err != nil {
			t.Fatal(err)
		}
		before := routeCalls(srv, tc.route)
		d, err := NewBasiq(api).StepDurations(context.Background(), "AU00000")
		if err != nil || d[sdk.StepVerifyCredentials] <= 0 {
			t.Errorf("%s: durations = %v, %v; want verify-credentials > 0", tc.version, d, err)
		}
		if n := routeCalls(srv, tc.route) - before; n != 1 {
			t.Errorf("%s: %s calls = %d, want 1", tc.version, tc.route, n)
		}
	}
}

func routeCalls(srv *basiqtest.Server, route string) int {
	n := 0
	for _, c := range srv.Stats().Requests[route] {
		n += c
	}
	return n
}
