package basiqtest

import (
	"encoding/json"
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	srv, c, clk := setup(t)
	_, _, jid := c.connect("AU00000", "jared", "django")
	c.job(jid)
	c.do("GET", "/jobs/nope", "")
	clk.Advance(2 * time.Second)
	st := srv.Stats()
	if st.TokensIssued != 1 || st.Requests["GET /jobs/{id}"][200] != 1 || st.Requests["GET /jobs/{id}"][404] != 1 ||
		st.Requests["POST /users"][201] != 1 || st.Requests["POST /token"][200] != 1 {
		t.Errorf("got %+v, want 1 token, 1+1 job gets, 1 user", st)
	}
	js := st.Jobs[jid]
	created := js.Created
	if js.Status != "in-progress" || len(js.StepFinished) != 1 || !js.StepFinished["verify-credentials"].Equal(created.Add(time.Second)) {
		t.Errorf("job: got %+v, want credentials finished at +1s", js)
	}
	var fromHTTP Stats
	if err := json.Unmarshal(c.raw("GET", "/_mock/stats", "", nil).body, &fromHTTP); err != nil || fromHTTP.TokensIssued != 1 || len(fromHTTP.Jobs) != 1 {
		t.Errorf("GET /_mock/stats: got %+v %v, want the same stats", fromHTTP, err)
	}
	srv.ResetStats()
	if st := srv.Stats(); st.TokensIssued != 0 || len(st.Requests) != 0 || len(st.Jobs) != 1 {
		t.Errorf("after reset: got %+v, want counts cleared and jobs kept", st)
	}
	if _, ok := srv.Job("nope"); ok {
		t.Error("Job(nope): got ok, want false")
	}
	if srv.Jobs() != 1 {
		t.Errorf("Jobs(): got %d, want 1", srv.Jobs())
	}
}
