package basiqtest

import "testing"

func TestUsers_Create(t *testing.T) {
	srv, c, _ := setup(t)
	tests := []struct {
		name, body string
		wantStatus int
		wantCode   string
		wantPtr    string
	}{
		{"email", `{"email":"gavin@hooli.com","firstName":"Gavin"}`, 201, "", ""},
		{"mobile", `{"mobile":"+61410888999"}`, 201, "", ""},
		{"none", `{"firstName":"Gavin"}`, 400, "parameter-not-supplied", "/email"},
		{"emptyBody", ``, 400, "parameter-not-supplied", "/email"},
		{"badEmail", `{"email":"not-an-email"}`, 400, "parameter-not-valid", "/email"},
		{"badMobile", `{"mobile":"call me"}`, 400, "parameter-not-valid", "/mobile"},
		{"malformed", `{"email":`, 400, "invalid-content", ""},
		{"wrongType", `{"email":12}`, 400, "invalid-content", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do("POST", "/users", tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.wantStatus == 201 {
				u := r.obj(t)
				if u["type"] != "user" || u["links"].(map[string]any)["self"] != srv.URL+"/users/"+u["id"].(string) {
					t.Errorf("got %s, want a user with links.self", r.body)
				}
				return
			}
			var e errorBody
			r.decode(t, &e)
			if e.Data[0].Code != tt.wantCode || (tt.wantPtr != "" && (e.Data[0].Source == nil || e.Data[0].Source.Pointer != tt.wantPtr)) {
				t.Errorf("got %s, want code %s pointer %s", r.body, tt.wantCode, tt.wantPtr)
			}
		})
	}
}

func TestUsers_GetUpdateDelete(t *testing.T) {
	srv, c, _ := setup(t)
	uid := c.createUser()
	c.must(200, "POST", "/users/"+uid, `{"firstName":"Gavin","mobile":"+61410888999"}`)
	u := c.must(200, "GET", "/users/"+uid, "").obj(t)
	if u["email"] != "gavin@hooli.com" || u["firstName"] != "Gavin" || u["mobile"] != "+61410888999" {
		t.Errorf("got %v, want email kept and firstName, mobile updated", u)
	}
	for _, k := range []string{"connections", "accounts"} {
		if l, ok := u[k].(map[string]any); !ok || l["type"] != "list" {
			t.Errorf("%s: got %v, want a list", k, u[k])
		}
	}
	links := u["links"].(map[string]any)
	if links["transactions"] != srv.URL+"/users/"+uid+"/transactions" {
		t.Errorf("links: got %v, want accounts, connections, transactions", links)
	}
	if r := c.do("POST", "/users/"+uid, `{"email":"bad"}`); r.status != 400 {
		t.Errorf("update with bad email: got %d, want 400", r.status)
	}
	c.must(204, "DELETE", "/users/"+uid, "")
	r := c.must(404, "GET", "/users/"+uid, "")
	var e errorBody
	r.decode(t, &e)
	if e.Data[0].Code != "resource-not-found" || e.Data[0].Detail != "Requested user does not exist." {
		t.Errorf("got %s, want resource-not-found \"Requested user does not exist.\"", r.body)
	}
	if srv.Users() != 0 {
		t.Errorf("Users(): got %d, want 0", srv.Users())
	}
}

func TestUsers_notFound(t *testing.T) {
	_, c, _ := setup(t)
	for _, rt := range [][2]string{{"GET", "/users/nope"}, {"POST", "/users/nope"}, {"DELETE", "/users/nope"},
		{"GET", "/users/nope/connections"}, {"GET", "/users/nope/accounts"}, {"GET", "/users/nope/transactions"},
		{"GET", "/users/nope/jobs"}, {"POST", "/users/nope/connections/refresh"}} {
		r := c.do(rt[0], rt[1], `{}`)
		if r.status != 404 || r.errCode(t) != "resource-not-found" {
			t.Errorf("%s %s: got %d %s, want 404 resource-not-found", rt[0], rt[1], r.status, r.body)
		}
	}
}
