package basiqtest

import (
	"strings"
	"testing"
)

// TestRoutes_badBodiesNever500 sends malformed and ill-typed bodies and odd queries to every
// route that reads them: each answer must be a 4xx in Basiq's error shape, never a 500 (the
// server turns a panic into a 500, so a 500 here would hide one).
func TestRoutes_badBodiesNever500(t *testing.T) {
	_, c, _ := setup(t, WithStepDurations(StepDurations{}))
	uid, cid, jid := c.connect("AU00001", "gavinBelson", "hooli2016")
	bodies := []string{`{`, `[]`, `"x"`, `null`, `{"email":1}`, `{"loginId":{},"password":[]}`,
		`{"institution":"AU00000"}`, `{"institution":{"id":null}}`, `{"mfa-response":"1234"}`,
		`{"mfa-response":[1]}`, strings.Repeat(`[`, 10000), "\x00\xff"}
	paths := []string{"/users", "/users/" + uid, "/users/" + uid + "/connections",
		"/users/" + uid + "/connections/" + cid, "/jobs/" + jid + "/mfa"}
	for _, p := range paths {
		for _, b := range bodies {
			r := c.do("POST", p, b)
			if r.status >= 500 || (r.status >= 300 && r.errCode(t) == "") {
				t.Errorf("POST %s %q: got %d %s, want a 4xx in Basiq's shape or a 2xx", p, b, r.status, r.body)
			}
		}
	}
	queries := []string{"?filter=", "?filter=%27", "?filter=account.id.eq(%27a", "?limit=-1", "?limit=1e9",
		"?next=%00", "?next=eyJsIjotMSwibyI6LTF9", "?filter=transaction.postDate.bt(%27x%27,%27y%27)"}
	for _, p := range []string{"/users/" + uid + "/transactions", "/users/" + uid + "/accounts",
		"/users/" + uid + "/connections", "/users/" + uid + "/jobs", "/institutions"} {
		for _, q := range queries {
			if r := c.do("GET", p+q, ""); r.status >= 500 {
				t.Errorf("GET %s%s: got %d %s, want no 5xx", p, q, r.status, r.body)
			}
		}
	}
}
