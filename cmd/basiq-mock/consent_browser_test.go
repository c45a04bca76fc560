package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/browser"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// api calls the fake with a bearer token and decodes the JSON answer.
func api(t *testing.T, method, u, token, ctype, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("basiq-version", "3.0")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, u, res.StatusCode, b)
		}
	}
	return res.StatusCode
}

func token3(t *testing.T, base, form string) string {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if st := api(t, "POST", base+"/token", "Basic a2V5OnNlY3JldA==", "application/x-www-form-urlencoded", form, &tok); st != 200 {
		t.Fatalf("POST /token %s: %d", form, st)
	}
	return tok.AccessToken
}

// TestConsentUI_chromium clicks through the fake's Consent UI in headless Chromium as a person
// would: pick the bank, type a sandbox login, tick the consent, answer the MFA prompt, and land
// on the partner's redirect URL with the job ids and the state; the job then succeeds.
func TestConsentUI_chromium(t *testing.T) {
	b := browser.ForTest(t)
	landed := make(chan url.Values, 4)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/back" {
			http.NotFound(w, r) // the browser also asks for /favicon.ico
			return
		}
		landed <- r.URL.Query()
		_, _ = io.WriteString(w, "<!doctype html><p id=back>back at the app</p>")
	}))
	defer app.Close()
	srv := basiqtest.NewServer(basiqtest.WithConsentRedirect(app.URL+"/back"),
		basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: 50 * time.Millisecond, Accounts: 50 * time.Millisecond, Transactions: 50 * time.Millisecond}))
	defer srv.Close()
	server := "Bearer " + token3(t, srv.URL, "scope=SERVER_ACCESS")
	var user struct {
		ID string `json:"id"`
	}
	api(t, "POST", srv.URL+"/users", server, "application/json", `{"email":"gavin@hooli.com"}`, &user)
	tests := []struct {
		name, institution, login, password, mfa string
		consentBox                              bool
	}{
		{"sandbox bank", "AU00000", "gavinBelson", "hooli2016", "", true},
		{"MFA token bank", "AU00001", "richard", "tabsnotspaces", "1234", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			client := token3(t, srv.URL, "scope=CLIENT_ACCESS&userId="+user.ID)
			state := "return to /accounts?tab=2"
			must(t, b.Navigate(ctx, srv.URL+"/consent?token="+client+"&state="+url.QueryEscape(state)))
			must(t, b.Fill(ctx, "#institution", tt.institution))
			must(t, b.Fill(ctx, "#loginId", tt.login))
			must(t, b.Fill(ctx, "#password", tt.password))
			if tt.consentBox {
				must(t, b.Click(ctx, "#consent"))
			}
			must(t, b.Click(ctx, "#submit"))
			if tt.mfa != "" {
				must(t, b.WaitFor(ctx, `!!document.querySelector("#answer")`))
				must(t, b.Fill(ctx, "#answer", tt.mfa))
				must(t, b.Click(ctx, "#submit"))
			}
			must(t, b.WaitFor(ctx, `!!document.querySelector("#back")`))
			q := <-landed
			jobID := q.Get("jobId")
			if jobID == "" || q.Get("jobIds") != jobID || q.Get("state") != state {
				t.Fatalf("redirect query %v: want jobId, jobIds=jobId and state %q", q, state)
			}
			waitJob(t, srv.URL, server, jobID)
		})
	}
	t.Run("two banks in one visit", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client := token3(t, srv.URL, "scope=CLIENT_ACCESS&userId="+user.ID)
		must(t, b.Navigate(ctx, srv.URL+"/consent?token="+client+"&state=two"))
		must(t, b.Fill(ctx, "#institution", "AU00301"))
		must(t, b.Fill(ctx, "#loginId", "jared"))
		must(t, b.Fill(ctx, "#password", "django"))
		must(t, b.Click(ctx, "#another"))
		must(t, b.WaitFor(ctx, `!!document.querySelector("#connected")`))
		must(t, b.Fill(ctx, "#institution", "AU00000"))
		must(t, b.Fill(ctx, "#loginId", "Gilfoyle"))
		must(t, b.Fill(ctx, "#password", "PiedPiper"))
		must(t, b.Click(ctx, "#submit"))
		must(t, b.WaitFor(ctx, `!!document.querySelector("#back")`))
		q := <-landed
		ids := strings.Split(q.Get("jobIds"), ",")
		if len(ids) != 2 || q.Get("jobId") != ids[1] || q.Get("state") != "two" {
			t.Fatalf("redirect query %v: want two jobIds, jobId the last, state two", q)
		}
		for _, id := range ids {
			waitJob(t, srv.URL, server, id)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// waitJob polls a job until every step succeeded.
func waitJob(t *testing.T, base, token, id string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var j struct {
			Steps []struct{ Title, Status string } `json:"steps"`
		}
		api(t, "GET", base+"/jobs/"+id, token, "", "", &j)
		done := len(j.Steps) > 0
		for _, s := range j.Steps {
			if s.Status == "failed" {
				t.Fatalf("job %s: step %s failed", id, s.Title)
			}
			done = done && s.Status == "success"
		}
		if done {
			return
		}
	}
	t.Fatalf("job %s did not succeed in 10s", id)
}
