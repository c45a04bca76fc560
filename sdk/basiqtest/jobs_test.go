package basiqtest

import (
	"fmt"
	"strings"
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

const (
	allSuccess = "verify-credentials=success,retrieve-accounts=success,retrieve-transactions=success"
	credFailed = "verify-credentials=failed,retrieve-accounts=pending,retrieve-transactions=pending"
)

func TestJobs_outcomes(t *testing.T) {
	tests := []struct {
		login, password string
		wantSteps       string
		wantCode        string
		wantConn        string
	}{
		{"gavinBelson", "hooli2016", allSuccess, "", "active"},
		{"jared", "django", allSuccess, "", "active"},
		{"richard", "tabsnotspaces", allSuccess, "", "active"},
		{"Whistler", "ShowBox", allSuccess, "", "active"},
		{"Gilfoyle", "PiedPiper", allSuccess, "", "active"},
		{"gavinBelson", "wrong", credFailed, "invalid-credentials", "invalid"},
		{"bighead", "password", credFailed, "invalid-credentials", "invalid"},
		{"erlich", "aviato", credFailed, "account-not-accessible-requires-user-action", "invalid"},
		{"jianYang", "nothotdog", credFailed, "service-unavailable", "pending"},
		{"nobody", "x", credFailed, "invalid-credentials", "invalid"},
		{"user-action", "x", credFailed, "user-action-required", "invalid"},
		{"fail-accounts", "x", "verify-credentials=success,retrieve-accounts=failed,retrieve-transactions=pending", "connector-error", "active"},
		{"fail-transactions", "x", "verify-credentials=success,retrieve-accounts=success,retrieve-transactions=failed", "unknown-error", "active"},
		{"never-ends", "x", "verify-credentials=success,retrieve-accounts=in-progress,retrieve-transactions=pending", "", "active"},
		{"maintenance-credentials-1", "x", credFailed, "maintenance", "pending"},
		{"maintenance-accounts-3", "x", "verify-credentials=success,retrieve-accounts=failed,retrieve-transactions=pending", "maintenance", "active"},
		{"maintenance-transactions-9", "x", "verify-credentials=success,retrieve-accounts=success,retrieve-transactions=failed", "maintenance", "active"},
		{"slow-5", "x", allSuccess, "", "active"},
	}
	for _, tt := range tests {
		t.Run(tt.login+"/"+tt.password, func(t *testing.T) {
			srv, c, clk := setup(t)
			uid, cid, jid := c.connect("AU00000", tt.login, tt.password)
			clk.Advance(hour)
			j := c.job(jid)
			if got := j.statuses(); got != tt.wantSteps {
				t.Fatalf("got %s, want %s", got, tt.wantSteps)
			}
			if code := failedCode(j); code != tt.wantCode {
				t.Errorf("failure code: got %q, want %q", code, tt.wantCode)
			}
			if got := c.conn(uid, cid).Status; got != tt.wantConn {
				t.Errorf("connection status: got %s, want %s", got, tt.wantConn)
			}
			js, _ := srv.Job(jid)
			want := "success"
			switch {
			case tt.wantCode != "":
				want = "failed"
			case tt.login == "never-ends":
				want = "in-progress"
			}
			if js.Status != want {
				t.Errorf("JobStats.Status: got %s, want %s", js.Status, want)
			}
		})
	}
}

func failedCode(j jobView) string {
	for _, s := range j.Steps {
		if s.Status == "failed" {
			_, res := j.step(s.Title)
			if res["type"] != "error" || res["title"] == "" {
				return "bad result shape"
			}
			return res["code"].(string)
		}
	}
	return ""
}

func TestJobs_slowLogin(t *testing.T) {
	srv, c, clk := setup(t)
	_, _, jid := c.connect("AU00000", "slow-5", "x")
	clk.Advance(14 * time.Second)
	if got := c.job(jid).statuses(); got != "verify-credentials=success,retrieve-accounts=success,retrieve-transactions=in-progress" {
		t.Errorf("at 14s: got %s", got)
	}
	js, _ := srv.Job(jid)
	if got, want := js.StepFinished["retrieve-accounts"].Sub(js.Created), 10*time.Second; got != want {
		t.Errorf("accounts finished after %v, want %v", got, want)
	}
}

func TestJobs_maintenanceThenSuccess(t *testing.T) {
	for _, step := range []string{"credentials", "accounts", "transactions"} {
		t.Run(step, func(t *testing.T) {
			_, c, clk := setup(t)
			uid, cid, jid := c.connect("AU00000", "maintenance-"+step+"-2", "pw")
			for n := 1; n <= 3; n++ {
				clk.Advance(hour)
				j := c.job(jid)
				wantFail := n <= 2
				if got := failedCode(j); (got == "maintenance") != wantFail {
					t.Fatalf("job %d: got %s (code %q), want failed=%v", n, j.statuses(), got, wantFail)
				}
				jid = c.must(202, "POST", "/users/"+uid+"/connections/"+cid+"/refresh", "").obj(t)["id"].(string)
			}
		})
	}
}

func TestJobs_MFA(t *testing.T) {
	tests := []struct {
		name, inst, answer string
		wait               time.Duration
		wantMFA, wantCode  string
		wantConn           string
	}{
		{"tokenRight", "AU00001", "1234", time.Second, "success", "", "active"},
		{"tokenWrong", "AU00001", "9999", time.Second, "failed", "invalid-credentials", "invalid"},
		{"questionRight", "AU00002", "Hooli", time.Second, "success", "", "active"},
		{"questionWrong", "AU00002", "Aviato", time.Second, "failed", "invalid-credentials", "invalid"},
		{"expired", "AU00001", "", 3 * time.Minute, "failed", "job-timed-out", "pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, clk := setup(t)
			uid, cid, jid := c.connect(tt.inst, "gavinBelson", "hooli2016")
			clk.Advance(time.Second)
			j := c.job(jid)
			st, res := j.step("mfa-challenge")
			wantMethod := map[string]string{"AU00001": "token", "AU00002": "security-questions"}[tt.inst]
			if st != "in-progress" || res["type"] != "mfa" || res["method"] != wantMethod || res["expiryMs"] != float64(120000) ||
				res["links"].(map[string]any)["response"] != srv.URL+"/jobs/"+jid+"/mfa" || j.Steps[1].Title != "mfa-challenge" {
				t.Fatalf("challenge: got %s %v, want in-progress mfa %s at index 1", st, res, wantMethod)
			}
			clk.Advance(tt.wait)
			if tt.answer != "" {
				c.must(202, "POST", "/jobs/"+jid+"/mfa", `{"mfa-response":["`+tt.answer+`"]}`)
			}
			answeredAt := clk.Now()
			clk.Advance(hour)
			j = c.job(jid)
			if st, _ := j.step("mfa-challenge"); st != tt.wantMFA || failedCode(j) != tt.wantCode {
				t.Errorf("after answer: got %s code %q, want %s %q", j.statuses(), failedCode(j), tt.wantMFA, tt.wantCode)
			}
			if got := c.conn(uid, cid).Status; got != tt.wantConn {
				t.Errorf("connection: got %s, want %s", got, tt.wantConn)
			}
			js, _ := srv.Job(jid)
			if tt.wantMFA == "success" && !js.StepFinished["retrieve-transactions"].Equal(answeredAt.Add(5*time.Second)) {
				t.Errorf("transactions finished at %v, want answer + 5s = %v", js.StepFinished["retrieve-transactions"], answeredAt.Add(5*time.Second))
			}
		})
	}
}

func TestJobs_MFA_badRequests(t *testing.T) {
	_, c, _ := setup(t)
	_, _, jid := c.connect("AU00001", "gavinBelson", "hooli2016")
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantCode         string
	}{
		{"notWaitingYet", "/jobs/" + jid + "/mfa", `{"mfa-response":["1234"]}`, 400, "parameter-not-valid"},
		{"missing", "/jobs/" + jid + "/mfa", `{}`, 400, "parameter-not-supplied"},
		{"malformed", "/jobs/" + jid + "/mfa", `{"mfa-response":`, 400, "invalid-content"},
		{"unknownJob", "/jobs/nope/mfa", `{"mfa-response":["1234"]}`, 404, "resource-not-found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.must(tt.wantStatus, "POST", tt.path, tt.body)
			if got := r.errCode(t); got != tt.wantCode {
				t.Errorf("got %s, want %s", got, tt.wantCode)
			}
		})
	}
}

func TestJobs_Get_notFound(t *testing.T) {
	_, c, _ := setup(t)
	r := c.must(404, "GET", "/jobs/nope", "")
	var e errorBody
	r.decode(t, &e)
	if e.Data[0].Code != "resource-not-found" || e.Data[0].Detail != "Requested job does not exist." {
		t.Errorf("got %s, want resource-not-found", r.body)
	}
}

func TestJobs_List_filter(t *testing.T) {
	_, c, clk := setup(t)
	uid, cid, jid := c.connect("AU00000", "jared", "django")
	other := c.must(202, "POST", "/users/"+uid+"/connections", `{"loginId":"richard","password":"tabsnotspaces","institution":{"id":"AU00000"}}`).obj(t)["id"].(string)
	clk.Advance(hour)
	jid2 := c.must(202, "POST", "/users/"+uid+"/connections/"+cid+"/refresh", "").obj(t)["id"].(string)
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{jid2, other, jid}}, // newest first
		{"?filter=" + urlq("connection.id.eq('"+cid+"')"), []string{jid2, jid}},
	}
	for _, tt := range tests {
		var l struct {
			Count int       `json:"count"`
			Data  []jobView `json:"data"`
		}
		c.must(200, "GET", "/users/"+uid+"/jobs"+tt.query, "").decode(t, &l)
		var got []string
		for _, j := range l.Data {
			got = append(got, j.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || l.Count != len(tt.want) {
			t.Errorf("query %q: got %v, want %v", tt.query, got, tt.want)
		}
	}
	c.must(400, "GET", "/users/"+uid+"/jobs?filter="+urlq("status.eq('x')"), "")
}

func TestJobs_List_pagedAndWindowed(t *testing.T) {
	_, c, clk := setup(t)
	uid, cid, old := c.connect("AU00000", "jared", "django")
	clk.Advance(8 * 24 * hour) // past Basiq's 7-day window
	var ids []string
	for i := 0; i < 3; i++ {
		clk.Advance(hour)
		ids = append([]string{c.must(202, "POST", "/users/"+uid+"/connections/"+cid+"/refresh", "").obj(t)["id"].(string)}, ids...)
	}
	type page struct {
		Count int       `json:"count"`
		Size  int       `json:"size"`
		Data  []jobView `json:"data"`
		Links struct {
			Next string `json:"next"`
		} `json:"links"`
	}
	var got []string
	next := "/users/" + uid + "/jobs?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		var p page
		c.must(200, "GET", next, "").decode(t, &p)
		if p.Size != 3 {
			t.Errorf("size %d, want 3 (the job older than 7 days is not listed)", p.Size)
		}
		for _, j := range p.Data {
			got = append(got, j.ID)
		}
		next = p.Links.Next
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("pages gave %v, want %v (newest first, without %s)", got, ids, old)
	}
	c.must(400, "GET", "/users/"+uid+"/jobs?limit=501", "")
	c.must(400, "GET", "/users/"+uid+"/jobs?next=x", "")
}

func TestJobs_jitterDeterministic(t *testing.T) {
	finish := func(seed int64) time.Duration {
		srv, c, _ := setup(t, WithJitter(0.5), WithSeed(seed))
		_, _, jid := c.connect("AU00000", "jared", "django")
		j, _ := srv.store.job(jid)
		return j.steps[0].dur + j.steps[1].dur + j.steps[2].dur
	}
	a, b, other := finish(7), finish(7), finish(8)
	if a != b {
		t.Errorf("same seed: got %v and %v, want equal", a, b)
	}
	if a == 6*time.Second || a == other {
		t.Errorf("jitter: got %v (seed 7) and %v (seed 8), want varied durations", a, other)
	}
}

func TestJobs_Get_updated(t *testing.T) {
	_, c, clk := setup(t)
	_, _, jid := c.connect("AU00000", "jared", "django")
	clk.Advance(90 * time.Second)
	j := c.job(jid)
	created, _ := time.Parse(time.RFC3339, j.Created)
	updated, _ := time.Parse(time.RFC3339, j.Updated)
	if updated.Sub(created) != 6*time.Second {
		t.Errorf("updated - created: got %v, want 6s", updated.Sub(created))
	}
}

func TestJobs_failureResult_bighead(t *testing.T) {
	_, c, clk := setup(t)
	_, _, jid := c.connect("AU00000", "bighead", "password")
	clk.Advance(hour)
	_, res := c.job(jid).step("verify-credentials")
	if res["code"] != "invalid-credentials" || res["title"] != "Cannot login to target institution, check credentials." ||
		!strings.Contains(res["detail"].(string), "locked") {
		t.Errorf("got %v, want invalid-credentials, account locked", res)
	}
}
