package sdk_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// newFake3 starts a fake with fast steps and a client speaking API 3.0,
// its Consent UI links pointing at the fake's /consent.
func newFake3(t *testing.T, opts ...basiqtest.Option) (*basiqtest.Server, *sdk.Client) {
	t.Helper()
	srv := basiqtest.NewServer(append([]basiqtest.Option{basiqtest.WithAPIKey(fakeKey), basiqtest.WithStepDurations(fastSteps)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, fakeClient(t, srv, sdk.WithAPIVersion("3.0"), sdk.WithConsentURL(srv.URL+"/consent"))
}

// userConnects does what the user's browser does with a Consent UI link:
// submits the page's form (the link's parameters, a login, the consent
// box ticked) and returns where the UI redirects to, without following
// it. The fake answers MFA banks with an MFA page, not a redirect.
func userConnects(consentURL, institution, login, password string) (*url.URL, error) {
	u, err := url.Parse(consentURL)
	if err != nil {
		return nil, err
	}
	form := u.Query()
	form.Set("loginId", login)
	form.Set("password", password)
	form.Set("consent", "yes")
	if form.Get("institutionId") == "" {
		form.Set("institutionId", institution)
	}
	u.RawQuery = ""
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.PostForm(u.String(), form)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("consent page answered %s, want a 303 redirect", res.Status)
	}
	return res.Location()
}

// consented sends a new user through the fake's Consent UI with gavin's
// login and returns the user and the job the UI started.
func consented(t *testing.T, srv *basiqtest.Server, c *sdk.Client, redirect string) (*sdk.UserHandle, string) {
	t.Helper()
	u := newUser(t, c)
	link, err := u.ConsentURL(ctxT(t), sdk.ConsentOptions{InstitutionID: "AU00000", State: "st"})
	if err != nil {
		t.Fatal(err)
	}
	back, err := userConnects(link, "", gavin.LoginID, gavin.Password)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(back.String(), redirect) {
		t.Fatalf("redirected to %s, want %s...", back, redirect)
	}
	res, err := sdk.ParseConsentRedirect(back)
	if err != nil || len(res.JobIDs) != 1 || res.State != "st" {
		t.Fatalf("got %+v, %v; want one job and the state", res, err)
	}
	return u, res.JobIDs[0]
}

// eventTypes lists the types of the user's events, newest first.
func eventTypes(t *testing.T, c *sdk.Client, userID string) []sdk.EventType {
	t.Helper()
	var types []sdk.EventType
	for ev, err := range c.Events.All(ctxT(t), sdk.Filter().Eq("user.id", userID)) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.UserID != userID {
			t.Fatalf("event %s of user %q in user %s's list", ev.ID, ev.UserID, userID)
		}
		types = append(types, ev.Type)
	}
	return types
}

func hasType(types []sdk.EventType, want sdk.EventType) bool {
	for _, ty := range types {
		if ty == want {
			return true
		}
	}
	return false
}

// mockResult is the answer of the fake's POST /_mock/consent.
type mockResult struct {
	ConsentID    string   `json:"consentId"`
	ConnectionID string   `json:"connectionId"`
	JobID        string   `json:"jobId"`
	JobIDs       []string `json:"jobIds"`
}

// mockConsent connects the user as the Consent UI would, through the
// fake's JSON twin of it; an MFA bank's challenge stays open.
func mockConsent(t *testing.T, srv *basiqtest.Server, userID, institution, login, password string) mockResult {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"userId": userID, "institutionId": institution, "loginId": login, "password": password})
	res, err := http.Post(srv.URL+"/_mock/consent", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r mockResult
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil || res.StatusCode != 201 || r.JobID == "" {
		t.Fatalf("POST /_mock/consent: %s, %+v, %v; want 201 with a job", res.Status, r, err)
	}
	return r
}

// waitMFA polls the job until its MFA challenge is open.
func waitMFA(t *testing.T, c *sdk.Client, jobID string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		j, err := c.Jobs.Get(ctxT(t), jobID)
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := j.Step(sdk.StepMFAChallenge); ok && s.Status == sdk.StatusInProgress {
			return
		}
	}
	t.Fatalf("job %s: no open MFA challenge after 10s", jobID)
}
