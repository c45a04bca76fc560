package basiqtest

import (
	"testing"
	"time"
)

// token3 gets an API 3.0 token: scope SERVER_ACCESS, or CLIENT_ACCESS bound to uid.
func (c *client) token3(uid string) string {
	c.t.Helper()
	body := "scope=SERVER_ACCESS"
	if uid != "" {
		body = "scope=CLIENT_ACCESS&userId=" + uid
	}
	r := c.raw("POST", "/token", body, map[string]string{"Authorization": "Basic a2V5OnNlY3JldA==",
		"basiq-version": "3.0", "Content-Type": "application/x-www-form-urlencoded"})
	if r.status != 200 {
		c.t.Fatalf("POST /token %s: got %d %s", body, r.status, r.body)
	}
	var tok tokenAnswer
	r.decode(c.t, &tok)
	return tok.AccessToken
}

func (c *client) as(token string) *client { return &client{t: c.t, srv: c.srv, token: token} }

func TestVersion3_credentialsRefused(t *testing.T) {
	_, c, _ := setup(t)
	uid, cid, _ := c.connect("AU00000", "gavinBelson", "hooli2016")
	create := `{"loginId":"jared","password":"django","institution":{"id":"AU00000"}}`
	c3 := c.as(c.token3(""))
	tests := []struct {
		name    string
		cl      *client
		version string
		path    string
		want    int
	}{
		{"create, 3.0 token", c3, "", "/users/" + uid + "/connections", 403},
		{"update, 3.0 token", c3, "", "/users/" + uid + "/connections/" + cid, 403},
		{"create, 2.0 token, 3.0 header", c, "3.0", "/users/" + uid + "/connections", 403},
		{"create, 3.0 token, 2.1 header", c3, "2.1", "/users/" + uid + "/connections", 202},
		{"create, 2.0 token", c, "", "/users/" + uid + "/connections", 202},
		{"update, 1.0 header", c3, "1.0", "/users/" + uid + "/connections/" + cid, 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Authorization": "Bearer " + tt.cl.token, "Content-Type": "application/json"}
			if tt.version != "" {
				h["basiq-version"] = tt.version
			}
			before := c.srv.Jobs()
			r := c.raw("POST", tt.path, create, h)
			if r.status != tt.want {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tt.want)
			}
			if tt.want == 403 {
				if code := r.errCode(t); code != "forbidden-access" {
					t.Errorf("code %s, want forbidden-access", code)
				}
				if c.srv.Jobs() != before {
					t.Errorf("a refused credentials call made a job")
				}
			}
		})
	}
}

func TestVersion3_clientToken(t *testing.T) {
	_, c, _ := setup(t)
	uid, _, jid := c.connect("AU00000", "gavinBelson", "hooli2016")
	other, _, otherJob := c.connect("AU00000", "jared", "django")
	cc := c.as(c.token3(uid))
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/users/" + uid, 200},
		{"GET", "/users/" + uid + "/jobs", 200},
		{"GET", "/jobs/" + jid, 200},
		{"GET", "/jobs/" + otherJob, 403},
		{"GET", "/jobs/nope", 404},
		{"GET", "/users/" + other, 403},
		{"GET", "/institutions/AU00000", 200},
		{"POST", "/users", 403},
	}
	for _, tt := range tests {
		if r := cc.do(tt.method, tt.path, ""); r.status != tt.want {
			t.Errorf("%s %s: got %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.want)
		}
	}
}

func TestVersion3_mfaNeedsClientToken(t *testing.T) {
	_, c, clk := setup(t, WithStepDurations(StepDurations{Credentials: time.Second}))
	uid, _, jid := c.connect("AU00001", "gavinBelson", "hooli2016")
	clk.Advance(2 * time.Second)
	body := `{"mfa-response":["1234"]}`
	tests := []struct {
		name string
		cl   *client
		want int
	}{
		{"3.0 server token", c.as(c.token3("")), 403},
		{"3.0 client token of another user", c.as(c.token3(c.createUser())), 403},
		{"3.0 client token of the job's user", c.as(c.token3(uid)), 202},
	}
	for _, tt := range tests {
		if r := tt.cl.do("POST", "/jobs/"+jid+"/mfa", body); r.status != tt.want {
			t.Errorf("%s: got %d %s, want %d", tt.name, r.status, r.body, tt.want)
		}
	}
	_, c2, clk2 := setup(t, WithStepDurations(StepDurations{Credentials: time.Second}))
	_, _, jid2 := c2.connect("AU00001", "gavinBelson", "hooli2016")
	clk2.Advance(2 * time.Second)
	c2.must(202, "POST", "/jobs/"+jid2+"/mfa", body) // a 2.0 server token still answers MFA
}

func TestTokenLimit(t *testing.T) {
	_, c, clk := setup(t, WithTokenLimit(3, time.Minute))
	c.newToken() // setup took one; this is the second
	c.newToken()
	r := c.raw("POST", "/token", "", map[string]string{"Authorization": "Basic a2V5OnNlY3JldA==", "basiq-version": "2.0"})
	if r.status != 429 || r.errCode(t) != "too-many-requests" || r.header.Get("Retry-After") != "60" {
		t.Fatalf("4th token in a minute: got %d %s Retry-After %q, want 429 too-many-requests 60", r.status, r.body, r.header.Get("Retry-After"))
	}
	other := c.raw("POST", "/token", "", map[string]string{"Authorization": "Basic b3RoZXI=", "basiq-version": "2.0"})
	if other.status != 200 {
		t.Errorf("another key: got %d, want 200 (the limit is per key)", other.status)
	}
	clk.Advance(time.Minute)
	c.newToken()
}
