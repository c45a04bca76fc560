package basiqtest

import (
	"testing"
	"time"
)

const hour = time.Hour

func TestConnections_Create_badInput(t *testing.T) {
	_, c, _ := setup(t)
	uid := c.createUser()
	tests := []struct {
		name, body       string
		wantCode, detail string
		wantPtr          string
	}{
		{"noLogin", `{"password":"p","institution":{"id":"AU00000"}}`, "parameter-not-supplied", "", "/loginId"},
		{"blankLogin", `{"loginId":"  ","password":"p","institution":{"id":"AU00000"}}`, "parameter-not-supplied", "", "/loginId"},
		{"noPassword", `{"loginId":"jared","institution":{"id":"AU00000"}}`, "parameter-not-supplied", "", "/password"},
		{"noInstitution", `{"loginId":"jared","password":"django"}`, "parameter-not-supplied", "", "/institution/id"},
		{"unknownInstitution", `{"loginId":"jared","password":"django","institution":{"id":"AU99999"}}`, "parameter-not-valid", "Requested institution does not exist.", "/institution/id"},
		{"malformed", `{"loginId":`, "invalid-content", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.must(400, "POST", "/users/"+uid+"/connections", tt.body)
			var e errorBody
			r.decode(t, &e)
			d := e.Data[0]
			if d.Code != tt.wantCode || (tt.detail != "" && d.Detail != tt.detail) || (tt.wantPtr != "" && d.Source.Pointer != tt.wantPtr) {
				t.Errorf("got %s, want code %s detail %q pointer %s", r.body, tt.wantCode, tt.detail, tt.wantPtr)
			}
		})
	}
}

type connView struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	CreatedDate string `json:"createdDate"`
	Institution struct {
		ID string `json:"id"`
	} `json:"institution"`
	Accounts struct {
		Type string           `json:"type"`
		Data []map[string]any `json:"data"`
	} `json:"accounts"`
	Links map[string]string `json:"links"`
}

func (c *client) conn(uid, cid string) connView {
	c.t.Helper()
	var v connView
	c.must(200, "GET", "/users/"+uid+"/connections/"+cid, "").decode(c.t, &v)
	return v
}

func TestConnections_Get_followsJob(t *testing.T) {
	srv, c, clk := setup(t)
	uid, cid, _ := c.connect("AU00000", "jared", "django")
	if v := c.conn(uid, cid); v.Status != "pending" || len(v.Accounts.Data) != 0 {
		t.Errorf("at start: got %s with %d accounts, want pending with none", v.Status, len(v.Accounts.Data))
	}
	clk.Advance(time.Second)
	if v := c.conn(uid, cid); v.Status != "active" || len(v.Accounts.Data) != 0 {
		t.Errorf("after credentials: got %s with %d accounts, want active with none", v.Status, len(v.Accounts.Data))
	}
	clk.Advance(2 * time.Second)
	v := c.conn(uid, cid)
	if n := len(v.Accounts.Data); n < 2 || n > 3 {
		t.Errorf("accounts: got %d, want 2 or 3", n)
	}
	if v.Institution.ID != "AU00000" || v.Links["self"] != srv.URL+"/users/"+uid+"/connections/"+cid || v.Links["user"] != srv.URL+"/users/"+uid {
		t.Errorf("got %+v, want institution AU00000 and links", v)
	}
	if _, ok := v.Accounts.Data[0]["balance"].(string); !ok {
		t.Errorf("balance: got %v, want a string", v.Accounts.Data[0]["balance"])
	}
}

func TestConnections_List_filter(t *testing.T) {
	_, c, clk := setup(t)
	uid, good, _ := c.connect("AU00000", "richard", "tabsnotspaces")
	bad := c.must(202, "POST", "/users/"+uid+"/connections", `{"loginId":"bighead","password":"password","institution":{"id":"AU00201"}}`).obj(t)["id"].(string)
	js, _ := c.srv.Job(bad)
	clk.Advance(hour)
	tests := []struct {
		filter string
		want   []string
	}{
		{"", []string{good, js.ConnectionID}},
		{"status.eq('active')", []string{good}},
		{"status.eq('invalid')", []string{js.ConnectionID}},
		{"institution.id.eq('AU00201')", []string{js.ConnectionID}},
		{"id.eq('" + good + "'),status.eq('active')", []string{good}},
		{"connection.id.eq('" + good + "'),status.eq('invalid')", nil},
	}
	for _, tt := range tests {
		var l struct {
			Count int        `json:"count"`
			Data  []connView `json:"data"`
		}
		c.must(200, "GET", "/users/"+uid+"/connections?filter="+urlq(tt.filter), "").decode(t, &l)
		var got []string
		for _, d := range l.Data {
			got = append(got, d.ID)
		}
		if len(got) != len(tt.want) || l.Count != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
			t.Errorf("filter %s: got %v (count %d), want %v", tt.filter, got, l.Count, tt.want)
		}
	}
	for _, f := range []string{"status.like('x')", "nope.eq('x')", "status.eq(x)", "status.eq('x'", "status"} {
		if r := c.do("GET", "/users/"+uid+"/connections?filter="+urlq(f), ""); r.status != 400 || r.errCode(t) != "parameter-not-valid" {
			t.Errorf("filter %s: got %d %s, want 400 parameter-not-valid", f, r.status, r.body)
		}
	}
}

func TestConnections_Refresh_runningJob(t *testing.T) {
	_, c, clk := setup(t)
	uid, cid, jid := c.connect("AU00000", "gavinBelson", "hooli2016")
	path := "/users/" + uid + "/connections/" + cid + "/refresh"
	if got := c.must(200, "POST", path, "").obj(t)["id"]; got != jid {
		t.Errorf("refresh while running: got job %v, want %s", got, jid)
	}
	clk.Advance(hour)
	next := c.must(202, "POST", path, "").obj(t)["id"].(string)
	if next == jid {
		t.Errorf("refresh after the end: got the same job %s, want a new one", jid)
	}
	if j := c.job(next); j.Links.Source == "" || j.statuses() != "verify-credentials=in-progress,retrieve-accounts=pending,retrieve-transactions=pending" {
		t.Errorf("new job: got %s, want a fresh job", j.statuses())
	}
}

func TestConnections_Refresh_invalidThenUpdate(t *testing.T) {
	_, c, clk := setup(t)
	uid, cid, _ := c.connect("AU00000", "gavinBelson", "wrong")
	clk.Advance(hour)
	if v := c.conn(uid, cid); v.Status != "invalid" {
		t.Fatalf("status: got %s, want invalid", v.Status)
	}
	r := c.must(400, "POST", "/users/"+uid+"/connections/"+cid+"/refresh", "")
	if r.errCode(t) != "parameter-not-valid" {
		t.Errorf("refresh invalid: got %s, want parameter-not-valid", r.body)
	}
	if r := c.must(202, "POST", "/users/"+uid+"/connections/refresh", "").obj(t); r["count"].(float64) != 0 {
		t.Errorf("refresh all: got %v, want no job for an invalid connection", r)
	}
	c.must(400, "POST", "/users/"+uid+"/connections/"+cid, `{"institution":{"id":"AU00000"}}`)
	jid := c.must(202, "POST", "/users/"+uid+"/connections/"+cid, `{"password":"hooli2016","institution":{"id":"AU00000"}}`).obj(t)["id"].(string)
	clk.Advance(hour)
	if got := c.job(jid).statuses(); got != "verify-credentials=success,retrieve-accounts=success,retrieve-transactions=success" {
		t.Errorf("job after update: got %s, want all success", got)
	}
	if v := c.conn(uid, cid); v.Status != "active" {
		t.Errorf("status after update: got %s, want active", v.Status)
	}
}

func TestConnections_RefreshAll(t *testing.T) {
	_, c, clk := setup(t)
	uid, _, _ := c.connect("AU00000", "jared", "django")
	c.must(202, "POST", "/users/"+uid+"/connections", `{"loginId":"Whistler","password":"ShowBox","institution":{"id":"AU00000"}}`)
	clk.Advance(hour)
	var l struct {
		Type string    `json:"type"`
		Data []jobStub `json:"data"`
	}
	c.must(202, "POST", "/users/"+uid+"/connections/refresh", "").decode(t, &l)
	if l.Type != "list" || len(l.Data) != 2 || l.Data[0].Type != "job" || l.Data[0].Links.Self == "" {
		t.Errorf("got %+v, want a list of 2 job stubs", l)
	}
}

func TestConnections_Delete(t *testing.T) {
	srv, c, clk := setup(t)
	uid, cid, _ := c.connect("AU00000", "Gilfoyle", "PiedPiper")
	clk.Advance(hour)
	c.must(204, "DELETE", "/users/"+uid+"/connections/"+cid, "")
	c.must(404, "GET", "/users/"+uid+"/connections/"+cid, "")
	c.must(404, "POST", "/users/"+uid+"/connections/"+cid+"/refresh", "")
	c.must(404, "DELETE", "/users/"+uid+"/connections/"+cid, "")
	if l := c.must(200, "GET", "/users/"+uid+"/accounts", "").obj(t); l["count"].(float64) < 2 {
		t.Errorf("accounts after delete: got %v, want still readable", l["count"])
	}
	if l := c.must(200, "GET", "/users/"+uid+"/transactions?limit=1", "").obj(t); l["size"].(float64) < 100 {
		t.Errorf("transactions after delete: got %v, want still readable", l["size"])
	}
	if srv.Connections() != 0 {
		t.Errorf("Connections(): got %d, want 0", srv.Connections())
	}
}

func TestConnections_notFound(t *testing.T) {
	_, c, _ := setup(t)
	uid := c.createUser()
	for _, rt := range [][2]string{{"GET", "/connections/nope"}, {"POST", "/connections/nope"}, {"DELETE", "/connections/nope"}, {"POST", "/connections/nope/refresh"}} {
		r := c.do(rt[0], "/users/"+uid+rt[1], `{"password":"x"}`)
		if r.status != 404 || r.errCode(t) != "resource-not-found" {
			t.Errorf("%s %s: got %d %s, want 404 resource-not-found", rt[0], rt[1], r.status, r.body)
		}
	}
}
