package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestConsentURLFollowWait: consent-url prints a Consent UI link with the
// user's token and state; the journey made, follow enqueues its job and
// wait prints its result.
func TestConsentURLFollowWait(t *testing.T) {
	te := setup(t)
	user := newUser(t, te.startWorker(t))
	te.vars["BASIQ_API_KEY"], te.vars["BASIQ_BASE_URL"], te.vars["BASIQ_API_VERSION"] = "test-key", te.basiqURL, "3.0"
	te.vars["BASIQ_CONSENT_URL"] = te.basiqURL + "/consent"
	code, out, errOut := te.ctl(t, "", "consent-url", "--user", user, "--state", "s-1", "--institution", "AU00000")
	if code != 0 {
		t.Fatalf("consent-url: exit %d, stderr %s", code, errOut)
	}
	u, err := url.Parse(strings.TrimSpace(out))
	if err != nil || !strings.HasPrefix(u.String(), te.basiqURL+"/consent?") || u.Query().Get("token") == "" ||
		u.Query().Get("state") != "s-1" || u.Query().Get("institutionId") != "AU00000" {
		t.Fatalf("consent-url printed %q (%v), want the fake's /consent with token, state and institution", out, err)
	}
	body, _ := json.Marshal(map[string]string{"userId": user, "institutionId": "AU00000", "loginId": "gavinBelson", "password": "hooli2016"})
	res, err := http.Post(te.basiqURL+"/_mock/consent", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var journey struct{ JobID string }
	json.NewDecoder(res.Body).Decode(&journey)
	res.Body.Close()
	code, out, errOut = te.ctl(t, "", "follow", "--user", user, "--job", journey.JobID, "--queue", te.queue)
	if code != 0 {
		t.Fatalf("follow: exit %d, stderr %s", code, errOut)
	}
	id := strings.TrimSpace(out)
	code, out, errOut = te.ctl(t, "", "wait", id, "--json", "--timeout", "20s")
	if code != 0 {
		t.Fatalf("wait: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var ev tasks.Event
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &ev); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if ev.Result == nil || ev.Result.Outcome != tasks.OutcomeCompleted || ev.Result.JobID != journey.JobID || ev.Result.Kind != tasks.TypeFollowJobs {
		t.Errorf("got %+v, want a completed follow of %s", ev.Result, journey.JobID)
	}
	if code, _, errOut = te.ctl(t, "", "follow", "--user", user); code != 2 || !strings.Contains(errOut, "--job is required") {
		t.Errorf("follow without --job: exit %d, stderr %s", code, errOut)
	}
}
