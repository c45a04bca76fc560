package basiqtest

import (
	"bytes"
	"mime/multipart"
	"net/textproto"
	"testing"
	"time"
)

func TestAuthLinks(t *testing.T) {
	_, c, clk := setup(t)
	uid := c.must(201, "POST", "/users", `{"email":"a@b.co"}`).obj(t)["id"].(string)
	c.must(404, "GET", "/users/"+uid+"/auth_link", "")
	if r := c.do("POST", "/users/"+uid+"/auth_link", ""); r.status != 400 || r.errCode(t) != "parameter-not-supplied" {
		t.Errorf("no mobile anywhere: got %d %s", r.status, r.body)
	}
	first := c.must(201, "POST", "/users/"+uid+"/auth_link", `{"mobile":"+61410888999"}`).obj(t)
	got := c.must(200, "GET", "/users/"+uid+"/auth_link", "").obj(t)
	if got["id"] != first["id"] || got["mobile"] != "+61410888999" || got["type"] != "auth_link" || got["userId"] != uid {
		t.Errorf("GET auth_link: %v, want the one created (%v)", got, first)
	}
	second := c.must(201, "POST", "/users/"+uid+"/auth_link", `{"mobile":"+61410888999"}`).obj(t)
	if second["id"] == first["id"] {
		t.Error("a new auth link kept the old id")
	}
	if got := c.must(200, "GET", "/users/"+uid+"/auth_link", "").obj(t); got["id"] != second["id"] {
		t.Errorf("after a new link: GET gives %v, want %v", got["id"], second["id"])
	}
	clk.Advance(7*24*time.Hour + time.Second)
	if r := c.do("GET", "/users/"+uid+"/auth_link", ""); r.status != 410 || r.errCode(t) != "resource-no-longer-available" {
		t.Errorf("expired link: got %d %s, want 410", r.status, r.body)
	}
	c.must(204, "DELETE", "/users/"+uid+"/auth_link", "")
	c.must(404, "DELETE", "/users/"+uid+"/auth_link", "")
}

func TestConnectors(t *testing.T) {
	_, c, _ := setup(t, WithStepDurations(StepDurations{Credentials: 1500 * time.Millisecond, Accounts: 2 * time.Second, Transactions: 3 * time.Second}))
	var l struct {
		TotalCount int            `json:"totalCount"`
		Data       []connectorOut `json:"data"`
	}
	c.must(200, "GET", "/connectors", "").decode(t, &l)
	if l.TotalCount != len(l.Data) || l.TotalCount != 9+8 {
		t.Errorf("totalCount %d, %d connectors: want 17", l.TotalCount, len(l.Data))
	}
	web := c.must(200, "GET", "/connectors/AU00000/web", "").obj(t)
	avg := web["stats"].(map[string]any)["averageDurationMs"].(map[string]any)
	if avg["verifyCredentials"] != 1500.0 || avg["total"] != 6500.0 || avg["retrieveMeta"] != nil {
		t.Errorf("web stats %v: want verifyCredentials 1500, total 6500, retrieveMeta null", avg)
	}
	pdf := c.must(200, "GET", "/connectors/AU00201/pdf", "").obj(t)
	if avg := pdf["stats"].(map[string]any)["averageDurationMs"].(map[string]any); avg["verifyCredentials"] != nil || avg["total"] != nil {
		t.Errorf("pdf stats %v: want nulls", avg)
	}
	c.must(404, "GET", "/connectors/AU00000/openbanking", "")
	c.must(400, "GET", "/connectors/hooli/web", "")
	c.must(200, "GET", "/connectors?filter="+urlq("connector.method.eq('openbanking')"), "").decode(t, &l)
	if l.TotalCount != 5 {
		t.Errorf("openbanking connectors: %d, want 5", l.TotalCount)
	}
	cc := c.as(c.token3(c.createUser()))
	cc.must(200, "GET", "/connectors", "")
}

func TestOpenBankingRefreshLimit(t *testing.T) {
	_, c, clk := setup(t, WithRefreshLimit(2), WithStepDurations(StepDurations{}))
	uid := c.createUser()
	ob := c.consent(`{"userId":"` + uid + `","institutionId":"AU00201","loginId":"jared","password":"django"}`)
	web := c.consent(`{"userId":"` + uid + `","institutionId":"AU00000","loginId":"jared","password":"django"}`)
	refresh := func(cid string) resp {
		clk.Advance(time.Minute)
		return c.do("POST", "/users/"+uid+"/connections/"+cid+"/refresh", "")
	}
	for i := 0; i < 2; i++ {
		if r := refresh(ob.ConnectionID); r.status != 202 {
			t.Fatalf("refresh %d: got %d %s", i+1, r.status, r.body)
		}
	}
	r := refresh(ob.ConnectionID)
	if r.status != 429 || r.errCode(t) != "too-many-requests" || r.header.Get("Retry-After") != itoa(int((24*time.Hour-2*time.Minute)/time.Second)) {
		t.Errorf("3rd refresh in a day: got %d %s Retry-After %s", r.status, r.body, r.header.Get("Retry-After"))
	}
	var all struct {
		Data []struct{ ID string } `json:"data"`
	}
	c.must(202, "POST", "/users/"+uid+"/connections/refresh", "").decode(t, &all)
	if len(all.Data) != 1 {
		t.Errorf("refresh-all over the limit: %d jobs, want 1 (the web connection only)", len(all.Data))
	}
	clk.Advance(time.Minute)
	for i := 0; i < 3; i++ {
		if r := refresh(web.ConnectionID); r.status != 202 {
			t.Errorf("web connection refresh %d: got %d, want 202 (no limit)", i+1, r.status)
		}
	}
	clk.Advance(24 * time.Hour)
	if r := refresh(ob.ConnectionID); r.status != 202 {
		t.Errorf("a day later: got %d %s", r.status, r.body)
	}
}

// multipartBody builds a statement upload.
func multipartBody(t *testing.T, inst, filename, ctype string, content []byte) (string, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if inst != "" {
		_ = mw.WriteField("institutionId", inst)
	}
	if filename != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="statement"; filename="`+filename+`"`)
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(content)
	}
	_ = mw.Close()
	return buf.String(), mw.FormDataContentType()
}

func TestStatements(t *testing.T) {
	_, c, clk := setup(t)
	uid := c.createUser()
	pdf := []byte("%PDF-1.7\n...")
	tests := []struct {
		name, inst, file, ctype string
		content                 []byte
		status                  int
		code                    string
	}{
		{"pdf", "AU00201", "may.pdf", "application/pdf", pdf, 202, ""},
		{"csv by name", "AU00201", "may.csv", "application/octet-stream", []byte("date,amount\n"), 202, ""},
		{"no institution", "", "may.pdf", "application/pdf", pdf, 400, "parameter-not-supplied"},
		{"no file", "AU00201", "", "", nil, 400, "parameter-not-supplied"},
		{"not a pdf", "AU00201", "may.pdf", "application/pdf", []byte("hello"), 400, "parameter-not-valid"},
		{"a picture", "AU00201", "may.png", "image/png", []byte("png"), 400, "parameter-not-valid"},
		{"unknown bank", "AU99999", "may.pdf", "application/pdf", pdf, 400, "parameter-not-valid"},
	}
	for _, tt := range tests {
		body, ct := multipartBody(t, tt.inst, tt.file, tt.ctype, tt.content)
		r := c.raw("POST", "/users/"+uid+"/statements", body, map[string]string{"Authorization": "Bearer " + c.token, "Content-Type": ct})
		if r.status != tt.status || tt.code != "" && r.errCode(t) != tt.code {
			t.Errorf("%s: got %d %s, want %d %s", tt.name, r.status, r.body, tt.status, tt.code)
			continue
		}
		if tt.status != 202 {
			continue
		}
		clk.Advance(time.Minute)
		jid := r.obj(t)["id"].(string)
		j := c.job(jid)
		js, _ := c.srv.Job(jid)
		if r := c.do("POST", "/users/"+uid+"/connections/"+js.ConnectionID+"/refresh", ""); r.status != 400 {
			t.Errorf("%s: refreshing a statement connection: got %d, want 400", tt.name, r.status)
		}
		if j.statuses() != "verify-credentials=success,retrieve-accounts=success,retrieve-transactions=success,retrieve-statements=success" {
			t.Errorf("%s: job %s", tt.name, j.statuses())
		}
	}
	if r := c.do("POST", "/users/"+uid+"/statements", `{}`); r.status != 415 {
		t.Errorf("JSON body: got %d, want 415", r.status)
	}
}

func TestPurge(t *testing.T) {
	_, c, clk := setup(t)
	uid, cid, _ := c.connect("AU00000", "gavinBelson", "hooli2016")
	c.must(400, "POST", "/users/"+uid+"/connections/"+cid+"/purge", "") // still pending
	clk.Advance(10 * time.Second)
	count := func() int {
		return int(c.must(200, "GET", "/users/"+uid+"/accounts", "").obj(t)["count"].(float64))
	}
	if count() == 0 {
		t.Fatal("no accounts before the purge")
	}
	c.must(204, "POST", "/users/"+uid+"/connections/"+cid+"/purge", "")
	if n := count(); n != 0 {
		t.Errorf("accounts after purge: %d, want 0", n)
	}
	if tx := c.must(200, "GET", "/users/"+uid+"/transactions", "").obj(t)["count"]; tx != 0.0 {
		t.Errorf("transactions after purge: %v, want 0", tx)
	}
	c.must(202, "POST", "/users/"+uid+"/connections/"+cid+"/refresh", "")
	clk.Advance(10 * time.Second)
	if count() == 0 {
		t.Error("a refresh after the purge brought no accounts back")
	}
	c.must(404, "POST", "/users/"+uid+"/connections/nope/purge", "")
}
