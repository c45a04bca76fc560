package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// consentCase is one demo journey through the Consent UI and the outcome
// it should have.
type consentCase struct {
	label, institution, login, password string
	mfa                                 string // the answer typed in the Consent UI's MFA prompt
	// callback: the browser comes back to the callback page, which
	// follows the job; false: it never does, and Basiq's
	// connection.created webhook starts the follow.
	callback bool
	want     tasks.Outcome
}

// consentCases returns n demo journeys: a sandbox login, a wrong
// password, an MFA bank answered in the Consent UI and a journey whose
// user never comes back (the webhook follows it), then more sandbox logins.
func consentCases(n int) []consentCase {
	first := []consentCase{
		{"sandbox login, back on the callback page", "AU00000", "gavinBelson", "hooli2016", "", true, tasks.OutcomeCompleted},
		{"wrong password", "AU00000", "gavinBelson", "not-the-password", "", true, tasks.OutcomeFailed},
		{"MFA token, answered in the Consent UI", "AU00001", "gavinBelson", "hooli2016", "1234", true, tasks.OutcomeCompleted},
		{"never back on the callback page: followed through Basiq's connection.created webhook", "AU00000", "jared", "django", "", false, tasks.OutcomeCompleted},
	}
	more := []consentCase{
		{"sandbox login, back on the callback page", "AU00000", "richard", "tabsnotspaces", "", true, tasks.OutcomeCompleted},
		{"sandbox login, back on the callback page", "AU00000", "Whistler", "ShowBox", "", true, tasks.OutcomeCompleted},
		{"sandbox login, back on the callback page", "AU00000", "Gilfoyle", "PiedPiper", "", true, tasks.OutcomeCompleted},
		{"sandbox login, back on the callback page", "AU00000", "jared", "django", "", true, tasks.OutcomeCompleted},
	}
	out := make([]consentCase, 0, n)
	for i := range n {
		if i < len(first) {
			out = append(out, first[i])
		} else {
			out = append(out, more[(i-len(first))%len(more)])
		}
	}
	return out
}

// mockConsent is the answer of the fake's JSON Consent UI (POST /_mock/consent).
type mockConsent struct {
	JobIDs   []string `json:"jobIds"`
	Redirect string   `json:"redirect"`
}

// runConsentDemo runs n journeys through the fake's JSON Consent UI, as
// a person in a browser would: each user consents and logs in, then
// (except the webhook's journey) comes back to the callback page, which
// enqueues the follow. It prints the Basiq events published too; see
// demoLoop.run.
func runConsentDemo(ctx context.Context, st *stack, n int, stdout io.Writer, done chan<- struct{}) error {
	cases := consentCases(n)
	return demoLoop{
		n: n,
		send: func(ctx context.Context, i int) (string, string, error) {
			c := cases[i]
			jobID, err := sendConsent(ctx, st, i, c)
			how := "followed from the callback page by task " + followTaskID(jobID)
			if !c.callback {
				how = "no callback: the connection.created webhook starts the follow"
			}
			return jobID, fmt.Sprintf("consent %s/%s on %s: %s (job %s; %s)", c.login, c.password, c.institution, c.label, jobID, how), err
		},
		key: func(r *tasks.Result) string { return r.JobID },
		event: func(_ context.Context, e tasks.Event, _ map[string]int) error {
			switch {
			case (e.Type == tasks.EventBasiq || e.Type == tasks.EventConsentRevoked) && e.Basiq != nil:
				fmt.Fprintf(stdout, "basiq  %s %s user=%s connection=%s\n", e.Type, e.Basiq.Type, e.Basiq.UserID, dash(e.Basiq.ConnectionID))
			case e.Type == tasks.EventMFARequired && e.MFA != nil:
				fmt.Fprintf(stdout, "mfa    job=%s asks %s (%s): answer it with basiqctl or POST /v1/jobs/%s/mfa\n", e.MFA.JobID, e.MFA.Method, e.MFA.Description, e.MFA.JobID)
			}
			return nil
		},
		about: func(i int, r *tasks.Result) string {
			c := cases[i]
			by := "the callback's follow"
			if !isCallbackTask(r.TaskID) {
				by = "the webhook's follow " + r.TaskID
			}
			return fmt.Sprintf("%s/%s on %s; by %s", c.login, c.password, c.institution, by)
		},
		want: func(i int) tasks.Outcome { return cases[i].want },
	}.run(ctx, st, stdout, done)
}

// sendConsent makes a user, submits the Consent UI for it through the
// fake's JSON endpoint and, for a callback journey, loads the callback
// page the Consent UI redirects to; it returns the job id.
func sendConsent(ctx context.Context, st *stack, i int, c consentCase) (string, error) {
	j := st.journeys
	user, err := j.newUser(ctx, fmt.Sprintf("consent%d-%d@example.com", i+1, time.Now().UnixNano()))
	if err != nil {
		return "", err
	}
	state, err := j.newState(user)
	if err != nil {
		return "", err
	}
	q := map[string]any{"userId": user, "institutionId": c.institution, "loginId": c.login, "password": c.password, "state": state}
	if c.mfa != "" {
		q["mfa-response"] = []string{c.mfa}
	}
	var res mockConsent
	if err := httpCall(ctx, http.MethodPost, st.fake.URL+"/_mock/consent", q, http.StatusCreated, &res); err != nil {
		return "", fmt.Errorf("consent: %w", err)
	}
	if len(res.JobIDs) != 1 || !strings.HasPrefix(res.Redirect, st.uiURL+callbackPath+"?") {
		return "", fmt.Errorf("consent: got jobs %v and redirect %q, want one job and the callback page", res.JobIDs, res.Redirect)
	}
	if c.callback {
		if err := httpCall(ctx, http.MethodGet, res.Redirect, nil, http.StatusOK, nil); err != nil {
			return "", fmt.Errorf("callback page: %w", err)
		}
	}
	return res.JobIDs[0], nil
}

// httpCall sends body (JSON, when not nil) and checks the status; it decodes
// a JSON answer into into when not nil.
func httpCall(ctx context.Context, method, url string, body any, want int, into any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(b))
	}
	if into != nil {
		return json.Unmarshal(b, into)
	}
	return nil
}
