package basiqtest

import (
	"testing"
	"time"
)

func TestJobs_Get_advances(t *testing.T) {
	srv, c, clk := setup(t)
	uid, cid, jid := c.connect("AU00000", "gavinBelson", "hooli2016")
	steps := []struct {
		after time.Duration
		want  string
	}{
		{0, "verify-credentials=in-progress,retrieve-accounts=pending,retrieve-transactions=pending"},
		{time.Second, "verify-credentials=success,retrieve-accounts=in-progress,retrieve-transactions=pending"},
		{2 * time.Second, "verify-credentials=success,retrieve-accounts=success,retrieve-transactions=in-progress"},
		{3 * time.Second, "verify-credentials=success,retrieve-accounts=success,retrieve-transactions=success"},
	}
	start := clk.Now()
	for _, s := range steps {
		clk.Advance(s.after)
		if got := c.job(jid).statuses(); got != s.want {
			t.Errorf("at +%v: got %s, want %s", clk.Now().Sub(start), got, s.want)
		}
	}
	j := c.job(jid)
	if want := srv.URL + "/users/" + uid + "/connections/" + cid; j.Links.Source != want {
		t.Errorf("links.source: got %s, want %s", j.Links.Source, want)
	}
	_, res := j.step("verify-credentials")
	if res["type"] != "link" || res["url"] != "/users/"+uid+"/connections/"+cid {
		t.Errorf("credentials result: got %v, want link to the connection", res)
	}
	js, _ := srv.Job(jid)
	if got, want := js.StepFinished["retrieve-transactions"], start.Add(6*time.Second); !got.Equal(want) || js.Status != "success" {
		t.Errorf("stats: got %v %s, want %v success", got, js.Status, want)
	}
}
