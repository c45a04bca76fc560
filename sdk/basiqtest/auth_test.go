package basiqtest

import (
	"testing"
	"time"
)

func TestToken_Post(t *testing.T) {
	_, c, _ := setup(t, WithAPIKey("a2V5OnNlY3JldA=="), WithTokenTTL(30*time.Minute))
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name, auth, version, ctype, body string
		wantStatus                       int
		wantCode                         string
	}{
		{"noBody2", "Basic a2V5OnNlY3JldA==", "2.1", "application/json", "", 200, ""},
		{"noBody3", "Basic a2V5OnNlY3JldA==", "3.0", "application/json", "", 400, "parameter-not-supplied"},
		{"noScope3", "Basic a2V5OnNlY3JldA==", "3.0", form, "userId=u1", 400, "parameter-not-supplied"},
		{"serverScope3", "Basic a2V5OnNlY3JldA==", "3.0", form, "scope=SERVER_ACCESS", 200, ""},
		{"clientNoUser3", "Basic a2V5OnNlY3JldA==", "3.0", form, "scope=CLIENT_ACCESS", 400, "parameter-not-supplied"},
		{"clientUnknownUser3", "Basic a2V5OnNlY3JldA==", "3.0", form, "scope=CLIENT_ACCESS&userId=nobody", 400, "parameter-not-valid"},
		{"serverScope", "Basic a2V5OnNlY3JldA==", "2.0", form, "scope=SERVER_ACCESS", 200, ""},
		{"clientScope", "Basic a2V5OnNlY3JldA==", "1.0", form, "scope=CLIENT_ACCESS&userId=u1", 200, ""},
		{"badScope", "Basic a2V5OnNlY3JldA==", "2.1", form, "scope=ROOT", 400, "parameter-not-valid"},
		{"noVersion", "Basic a2V5OnNlY3JldA==", "", "", "", 400, "parameter-not-valid"},
		{"badVersion", "Basic a2V5OnNlY3JldA==", "4.0", "", "", 400, "parameter-not-valid"},
		{"noAuthorization", "", "3.0", "", "", 400, "parameter-not-supplied"},
		{"garbledAuthorization", "Bearer xyz", "3.0", "", "", 400, "parameter-not-valid"},
		{"emptyKey", "Basic ", "3.0", "", "", 400, "parameter-not-valid"},
		{"unknownKey", "Basic b3RoZXI6a2V5", "3.0", "", "", 404, "parameter-not-valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			for k, v := range map[string]string{"Authorization": tt.auth, "basiq-version": tt.version, "Content-Type": tt.ctype} {
				if v != "" {
					h[k] = v
				}
			}
			r := c.raw("POST", "/token", tt.body, h)
			if r.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.wantCode != "" {
				if got := r.errCode(t); got != tt.wantCode {
					t.Errorf("code: got %s, want %s", got, tt.wantCode)
				}
				return
			}
			var tok tokenAnswer
			r.decode(t, &tok)
			if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 1800 {
				t.Errorf("got %+v, want a Bearer token expiring in 1800", tok)
			}
		})
	}
}

func TestToken_unknownKeyDetail(t *testing.T) {
	_, c, _ := setup(t)
	c.srv.cfg.apiKey = "only-this"
	r := c.raw("POST", "/token", "", map[string]string{"Authorization": "Basic other", "basiq-version": "3.0"})
	var e errorBody
	r.decode(t, &e)
	if want := "Unable to authenticate. Please, check your API key"; r.status != 404 || e.Data[0].Detail != want {
		t.Errorf("got %d %q, want 404 %q", r.status, e.Data[0].Detail, want)
	}
}

func TestAuth_Bearer(t *testing.T) {
	_, c, clk := setup(t, WithTokenTTL(time.Minute))
	tests := []struct {
		name, auth string
		advance    time.Duration
		wantStatus int
		wantCode   string
	}{
		{"valid", "Bearer " + c.token, 0, 200, ""},
		{"missing", "", 0, 401, "invalid-authorization-token"},
		{"unknown", "Bearer nope", 0, 401, "invalid-authorization-token"},
		{"garbled", "Basic " + c.token, 0, 401, "invalid-authorization-token"},
		{"expired", "Bearer " + c.token, time.Minute, 403, "access-denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.advance)
			h := map[string]string{}
			if tt.auth != "" {
				h["Authorization"] = tt.auth
			}
			r := c.raw("GET", "/institutions", "", h)
			if r.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.wantCode == "" {
				return
			}
			var e errorBody
			r.decode(t, &e)
			if e.Data[0].Code != tt.wantCode {
				t.Errorf("code: got %s, want %s", e.Data[0].Code, tt.wantCode)
			}
			if tt.name == "expired" && e.Data[0].Detail != "Token has expired" {
				t.Errorf("detail: got %q, want %q", e.Data[0].Detail, "Token has expired")
			}
		})
	}
}

func TestVersion_everyRoute(t *testing.T) {
	_, c, _ := setup(t)
	uid := c.createUser()
	for _, path := range []string{"/institutions", "/users/" + uid, "/jobs/nope"} {
		for _, v := range []struct {
			version string
			bad     bool
		}{{"1.0", false}, {"2.1", false}, {"3.0", false}, {"9.9", true}, {"", true}} {
			h := map[string]string{"Authorization": "Bearer " + c.token, "basiq-version": v.version}
			r := c.raw("GET", path, "", h)
			if got := r.status == 400 && r.errCode(t) == "parameter-not-valid"; got != v.bad {
				t.Errorf("GET %s with basiq-version %q: got %d %s, want bad=%v", path, v.version, r.status, r.body, v.bad)
			}
		}
	}
}

func TestAuth_clientScope(t *testing.T) {
	_, c, _ := setup(t)
	uid, other := c.createUser(), c.createUser()
	r := c.raw("POST", "/token", "scope=CLIENT_ACCESS&userId="+uid, map[string]string{"Authorization": "Basic k",
		"basiq-version": "3.0", "Content-Type": "application/x-www-form-urlencoded"})
	var tok tokenAnswer
	r.decode(t, &tok)
	cc := &client{t: t, srv: c.srv, token: tok.AccessToken}
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/users/" + uid, 200},
		{"GET", "/institutions", 200},
		{"GET", "/users/" + other, 403},
		{"POST", "/users", 403},
	}
	for _, tt := range tests {
		if r := cc.do(tt.method, tt.path, `{"email":"a@b.co"}`); r.status != tt.want || (tt.want == 403 && r.errCode(t) != "forbidden-access") {
			t.Errorf("%s %s: got %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.want)
		}
	}
}

func TestUsers_Create_contentType(t *testing.T) {
	_, c, _ := setup(t)
	h := map[string]string{"Authorization": "Bearer " + c.token, "Content-Type": "text/plain"}
	if r := c.raw("POST", "/users", `{"email":"a@b.co"}`, h); r.status != 415 || r.errCode(t) != "unsupported-content-type" {
		t.Errorf("text/plain: got %d %s, want 415 unsupported-content-type", r.status, r.body)
	}
	h["Content-Type"] = "application/json; charset=utf-8"
	if r := c.raw("POST", "/users", `{"email":"a@b.co"}`, h); r.status != 201 {
		t.Errorf("json with charset: got %d, want 201", r.status)
	}
}
