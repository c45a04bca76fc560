package basiqtest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// consent submits the Consent UI as JSON and returns its answer.
func (c *client) consent(body string) consentResult {
	c.t.Helper()
	r := c.raw("POST", "/_mock/consent", body, map[string]string{"Content-Type": "application/json"})
	if r.status != 201 {
		c.t.Fatalf("POST /_mock/consent %s: got %d %s, want 201", body, r.status, r.body)
	}
	var res consentResult
	r.decode(c.t, &res)
	return res
}

func gavin(uid string) string {
	return `{"userId":"` + uid + `","institutionId":"AU00000","loginId":"gavinBelson","password":"hooli2016","state":"s 1"}`
}

// eventTypesOf lists the types of GET /events (oldest first), optionally filtered.
func (c *client) eventTypesOf(filter string) []string {
	c.t.Helper()
	var l struct {
		Data []eventOut `json:"data"`
	}
	q := ""
	if filter != "" {
		q = "?filter=" + urlq(filter)
	}
	c.must(200, "GET", "/events"+q, "").decode(c.t, &l)
	var out []string
	for i := len(l.Data) - 1; i >= 0; i-- {
		out = append(out, l.Data[i].Entity+"."+l.Data[i].EventType)
	}
	return out
}

func TestConsent_connectRevoke(t *testing.T) {
	_, c, clk := setup(t, WithConsentRedirect("https://app.example/done?x=1"))
	uid := c.createUser()
	res := c.consent(gavin(uid))
	want := "https://app.example/done?x=1&jobId=" + res.JobID + "&jobIds=" + res.JobID + "&state=s+1"
	if res.Redirect != want || res.State != "s 1" || len(res.JobIDs) != 1 || res.JobIDs[0] != res.JobID {
		t.Fatalf("got %+v, want redirect %s", res, want)
	}
	clk.Advance(10 * time.Second)
	if j := c.job(res.JobID); j.statuses() != "verify-credentials=success,retrieve-accounts=success,retrieve-transactions=success" {
		t.Fatalf("consent job: %s", j.statuses())
	}
	conn := c.must(200, "GET", "/users/"+uid+"/connections/"+res.ConnectionID, "").obj(t)
	if conn["method"] != "web" || conn["expiryDate"] == nil || conn["status"] != "active" {
		t.Errorf("connection %v: want method web, an expiryDate, active", conn)
	}
	again := c.consent(gavin(uid))
	if again.ConsentID != res.ConsentID || again.ConnectionID == res.ConnectionID {
		t.Errorf("a second connect: got consent %s conn %s, want the same consent and a new connection", again.ConsentID, again.ConnectionID)
	}
	clk.Advance(10 * time.Second)
	c.must(204, "DELETE", "/users/"+uid+"/consents/"+res.ConsentID, "")
	var l struct {
		Size int          `json:"size"`
		Data []consentOut `json:"data"`
	}
	c.must(200, "GET", "/users/"+uid+"/consents", "").decode(t, &l)
	if l.Size != 1 || l.Data[0].Status != "revoked" || l.Data[0].Revoked == "" || len(l.Data[0].Data.Permissions) == 0 {
		t.Errorf("consents after revoke: %+v", l)
	}
	if st := c.must(200, "GET", "/users/"+uid+"/connections/"+res.ConnectionID, "").obj(t)["status"]; st != "invalid" {
		t.Errorf("connection after revoke: %v, want invalid", st)
	}
	c.must(400, "POST", "/users/"+uid+"/connections/"+res.ConnectionID+"/refresh", "")
	c.must(400, "DELETE", "/users/"+uid+"/consents/"+res.ConsentID, "")
	c.must(404, "DELETE", "/users/"+uid+"/consents/nope", "")
	got := strings.Join(c.eventTypesOf("user.id.eq('"+uid+"')"), " ")
	wantEv := "user.created consent.created connection.created connection.activated account.updated transactions.updated " +
		"connection.created connection.activated account.updated transactions.updated consent.revoked connection.invalidated connection.invalidated"
	if got != wantEv {
		t.Errorf("events:\n got %s\nwant %s", got, wantEv)
	}
}

func TestConsent_reauthoriseAndExpire(t *testing.T) {
	srv, c, clk := setup(t)
	uid := c.createUser()
	res := c.consent(gavin(uid))
	clk.Advance(10 * time.Second)
	if err := srv.ExpireConsent(uid, res.ConsentID); err != nil {
		t.Fatal(err)
	}
	if err := srv.ExpireConsent(uid, res.ConsentID); err == nil {
		t.Error("expiring an expired consent: got nil, want an error")
	}
	re := c.consent(`{"userId":"` + uid + `","connectionId":"` + res.ConnectionID + `","password":"hooli2016"}`)
	if re.ConnectionID != res.ConnectionID || re.ConsentID == res.ConsentID {
		t.Fatalf("re-authorise: got %+v, want the same connection under a new consent", re)
	}
	clk.Advance(10 * time.Second)
	if st := c.must(200, "GET", "/users/"+uid+"/connections/"+res.ConnectionID, "").obj(t)["status"]; st != "active" {
		t.Errorf("after re-authorising: %v, want active", st)
	}
	r := c.raw("POST", "/_mock/users/"+uid+"/consents/"+re.ConsentID+"/expire", "", nil)
	if r.status != 200 || r.obj(t)["status"] != "expired" {
		t.Errorf("mock expire: got %d %s", r.status, r.body)
	}
	got := strings.Join(c.eventTypesOf("event.entity.eq('consent')"), " ")
	if got != "consent.created consent.expired consent.created consent.expired" {
		t.Errorf("consent events: %s", got)
	}
}

func TestConsent_expiresByClock(t *testing.T) {
	_, c, clk := setup(t, WithConsentTTL(time.Hour))
	uid := c.createUser()
	res := c.consent(gavin(uid))
	clk.Advance(time.Hour)
	var l struct {
		Data []consentOut `json:"data"`
	}
	c.must(200, "GET", "/users/"+uid+"/consents", "").decode(t, &l)
	if l.Data[0].Status != "expired" {
		t.Errorf("consent after its TTL: %s, want expired", l.Data[0].Status)
	}
	if got := c.eventTypesOf("event.type.eq('expired')"); fmt.Sprint(got) != "[consent.expired]" {
		t.Errorf("events: %v", got)
	}
	_ = res
}

func TestConsent_mfa(t *testing.T) {
	_, c, clk := setup(t, WithStepDurations(StepDurations{Credentials: time.Second, Accounts: time.Second, Transactions: time.Second}))
	uid := c.createUser()
	for _, tt := range []struct {
		inst, answer, want string
	}{
		{"AU00001", "1234", "success"},
		{"AU00002", "Hooli", "success"},
		{"AU00001", "0000", "failed"},
	} {
		res := c.consent(`{"userId":"` + uid + `","institutionId":"` + tt.inst + `","loginId":"jared","password":"django","mfa-response":["` + tt.answer + `"]}`)
		clk.Advance(500 * time.Millisecond)
		if st, _ := c.job(res.JobID).step(stepMFA); st != "pending" {
			t.Errorf("%s: mfa-challenge while verifying: %s, want pending", tt.inst, st)
		}
		clk.Advance(time.Second)
		if st, result := c.job(res.JobID).step(stepMFA); st == "in-progress" || result["type"] == "mfa" {
			t.Errorf("%s: the challenge is open (%s %v) though the Consent UI answered it", tt.inst, st, result)
		}
		clk.Advance(5 * time.Second)
		if st, _ := c.job(res.JobID).step(stepMFA); st != tt.want {
			t.Errorf("%s answer %s: mfa-challenge %s, want %s", tt.inst, tt.answer, st, tt.want)
		}
	}
	res := c.consent(`{"userId":"` + uid + `","institutionId":"AU00001","loginId":"jared","password":"django"}`)
	clk.Advance(1500 * time.Millisecond)
	if _, result := c.job(res.JobID).step(stepMFA); result["type"] != "mfa" {
		t.Fatalf("without an answer the challenge stays open for the API: %v", result)
	}
	c.as(c.token3(uid)).must(202, "POST", "/jobs/"+res.JobID+"/mfa", `{"mfa-response":["1234"]}`)
}

func TestConsent_badInput(t *testing.T) {
	_, c, _ := setup(t)
	uid := c.createUser()
	tests := []struct {
		body       string
		status     int
		code, from string
	}{
		{`{"institutionId":"AU00000","loginId":"a","password":"b"}`, 400, "parameter-not-supplied", "/userId"},
		{`{"userId":"` + uid + `","loginId":"a","password":"b"}`, 400, "parameter-not-supplied", "/institutionId"},
		{`{"userId":"` + uid + `","institutionId":"AU00000","password":"b"}`, 400, "parameter-not-supplied", "/loginId"},
		{`{"userId":"` + uid + `","institutionId":"AU00000","loginId":"a"}`, 400, "parameter-not-supplied", "/password"},
		{`{"userId":"` + uid + `","institutionId":"AU99999","loginId":"a","password":"b"}`, 400, "parameter-not-valid", "/institutionId"},
		{`{"userId":"nobody","institutionId":"AU00000","loginId":"a","password":"b"}`, 404, "resource-not-found", ""},
		{`{"userId":"` + uid + `","connectionId":"nope","password":"b"}`, 404, "resource-not-found", ""},
	}
	for _, tt := range tests {
		r := c.raw("POST", "/_mock/consent", tt.body, map[string]string{"Content-Type": "application/json"})
		var e errorBody
		r.decode(t, &e)
		if r.status != tt.status || r.errCode(t) != tt.code || tt.from != "" && e.Data[0].Source.Pointer != tt.from {
			t.Errorf("%s: got %d %s, want %d %s %s", tt.body, r.status, r.body, tt.status, tt.code, tt.from)
		}
	}
}
