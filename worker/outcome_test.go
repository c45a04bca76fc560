package worker

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
)

func threeStepOutcome() jobOutcome {
	at := time.Date(2026, 12, 2, 12, 32, 5, 440949688, time.UTC)
	return jobOutcome{Outcome: tasks.OutcomeCompleted, JobID: "cdc20086-a743-4d5a-a06b-855386eacedd",
		ConnectionID: "b104a5b0-ef84-4bef-a121-2b42795f34f3",
		Steps: []tasks.StepObservation{{Title: "verify-credentials", Status: "success", ObservedAt: at},
			{Title: "retrieve-accounts", Status: "in-progress", ObservedAt: at},
			{Title: "retrieve-accounts", Status: "success", ObservedAt: at.Add(3046198626)},
			{Title: "retrieve-transactions", Status: "in-progress", ObservedAt: at.Add(3046198626)},
			{Title: "retrieve-transactions", Status: "success", ObservedAt: at.Add(6325522942)}},
		Accounts: []string{"23d0071b-3f3b-40bf-ac4a-0bd2418bc9b4", "caf42299-91b1-44eb-a62b-9153eb320a5d", "1f2f796f-aac5-4fef-a94f-1e74e66b6efa"},
		Polls:    5}
}

// TestOutcome_compact: the follower record's outcome reads back as it was
// settled (its steps' times to the millisecond), takes at most 65% of
// jobOutcome's JSON for a three-step job, and an older worker's decoder
// fails on it instead of reading an empty outcome.
func TestOutcome_compact(t *testing.T) {
	failed := jobOutcome{Outcome: tasks.OutcomeFailed, JobID: "j-1",
		Error: &tasks.ErrorInfo{Code: "invalid-credentials", Title: "Invalid credentials", Detail: "d", Step: "verify-credentials"}}
	for _, tc := range []struct {
		name     string
		o        jobOutcome
		maxShare float64 // of jobOutcome's JSON; 0: no bound
	}{
		{"three steps", threeStepOutcome(), 0.65},
		{"failed without steps", failed, 0},
		{"no connection", jobOutcome{Outcome: tasks.OutcomeTimedOut, JobID: "j-2", Accounts: []string{}, Polls: 40}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := encodeOutcome(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			old, _ := json.Marshal(tc.o)
			if tc.maxShare > 0 && float64(len(b)) > tc.maxShare*float64(len(old)) {
				t.Errorf("%d bytes, %.0f%% of the JSON object's %d, want at most %.0f%%: %s",
					len(b), 100*float64(len(b))/float64(len(old)), len(old), 100*tc.maxShare, b)
			}
			got, err := decodeOutcome(b)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.o
			if want.Accounts == nil {
				want.Accounts = []string{}
			}
			for i := range want.Steps {
				want.Steps[i].ObservedAt = want.Steps[i].ObservedAt.Truncate(time.Millisecond)
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("decoded\n%s\nwant\n%s", g, w)
			}
			var byOlder jobOutcome
			if err := json.Unmarshal(b, &byOlder); err == nil {
				t.Errorf("an older worker decodes %s as %+v, want an error", b, byOlder)
			}
		})
	}
}

// TestOutcome_olderWorkersRecord: an outcome an older worker stored (the
// JSON object of jobOutcome) and malformed ones.
func TestOutcome_olderWorkersRecord(t *testing.T) {
	o := threeStepOutcome()
	old, _ := json.Marshal(o)
	got, err := decodeOutcome(old)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := json.Marshal(got); string(g) != string(old) {
		t.Errorf("decoded\n%s\nwant\n%s", g, old)
	}
	for _, bad := range []string{``, `[]`, `[3,"completed","j","",0,[],[],null]`, `[2,"completed","j","",0,[],[["t","s"]],null]`, `[2,1,"j","",0,[],[],null]`} {
		if o, err := decodeOutcome([]byte(bad)); err == nil {
			t.Errorf("%q: decoded %+v, want an error", bad, o)
		}
	}
}

// TestSharedJob_attachToOlderRecord: a task attaching to a job whose
// outcome an older worker stored (the JSON object) gets that outcome at
// once, without a look at the job.
func TestSharedJob_attachToOlderRecord(t *testing.T) {
	e := newTestEnv(t)
	e.basiq.refresh = func(string, string) (*sdk.Job, error) { return job("j-old", sdk.StatusInProgress), nil }
	o := threeStepOutcome()
	o.JobID, o.ConnectionID = "j-old", "c-1"
	old, _ := json.Marshal(o)
	if err := e.h.rdb.HSet(t.Context(), e.h.followKey("j-old"), "owner", "r-old", "done", old).Err(); err != nil {
		t.Fatal(err)
	}
	if err := e.h.RefreshConnection(e.ctx("r2", 0, false), refreshTask(t, "c-1", time.Now().Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	runPolls(t, e)
	rs := resultsByTask(t, e)["r2"]["j-old"]
	if len(rs) != 1 || rs[0].Outcome != tasks.OutcomeCompleted || len(rs[0].Accounts) != 3 || len(rs[0].Steps) != 5 || rs[0].Polls != 5 {
		t.Fatalf("r2: results %+v, want one completed with the stored accounts, steps and polls", rs)
	}
	if n := e.basiq.count("job"); n != 0 {
		t.Errorf("GET /jobs = %d, want 0", n)
	}
}
