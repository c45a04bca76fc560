package sdk_test

import (
	"encoding/json"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

const jobJSON = `{"type":"job","id":"j-1","created":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:09Z",
 "steps":[
  {"title":"verify-credentials","status":"success","result":{"type":"link","url":"/users/u-1/connections/c-1"}},
  {"title":"retrieve-accounts","status":"in-progress","result":null},
  {"title":"retrieve-transactions","status":"pending","result":null}],
 "links":{"self":"https://au-api.basiq.io/jobs/j-1"}}`

func decodeJob(t *testing.T, s string) *sdk.Job {
	t.Helper()
	j := new(sdk.Job)
	if err := json.Unmarshal([]byte(s), j); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJob_methods(t *testing.T) {
	j := decodeJob(t, jobJSON)
	checks := []struct {
		name      string
		got, want any
	}{
		{"connection id from step", j.ConnectionID(), "c-1"},
		{"user id", j.UserID(), "u-1"},
		{"current", j.CurrentStep().Title, sdk.StepRetrieveAccounts},
		{"accounts", j.CanFetchAccounts(), false},
		{"transactions", j.CanFetchTransactions(), false},
		{"done", j.Done(), false},
		{"created", j.Created.Format("15:04:05"), "03:04:05"},
	}
	j.Steps[1].Status, j.Steps[2].Status = sdk.StatusSuccess, sdk.StatusSuccess
	j.Links.Source = "https://au-api.basiq.io/users/u-2/connections/c-2"
	checks = append(checks, []struct {
		name      string
		got, want any
	}{
		{"connection id from source", j.ConnectionID(), "c-2"},
		{"all done", j.Done(), true},
		{"can fetch", j.CanFetchTransactions(), true},
		{"current when done", j.CurrentStep().Title, sdk.StepRetrieveTransactions},
	}...)
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestJob_failed(t *testing.T) {
	j := decodeJob(t, `{"id":"j","steps":[{"title":"verify-credentials","status":"failed","result":{"type":"error","code":"invalid-credentials"}},{"title":"retrieve-accounts","status":"pending"}]}`)
	s, ok := j.FailedStep()
	if !ok || s.Result.Code != "invalid-credentials" || !j.Done() || j.ConnectionID() != "" {
		t.Fatalf("got failed %v %+v, done %v, conn %q; want the failed credentials step, done, no connection", ok, s, j.Done(), j.ConnectionID())
	}
	if _, ok := (&sdk.Job{}).Step(sdk.StepMFAChallenge); ok || (&sdk.Job{}).Done() || (&sdk.Job{}).CurrentStep() != nil {
		t.Fatal("got steps on an empty job, want none")
	}
}
