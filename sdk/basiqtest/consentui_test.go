package basiqtest

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// form posts a Consent UI form without following redirects.
func (c *client) form(path string, v url.Values) (int, http.Header, string) {
	c.t.Helper()
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var res *http.Response
	var err error
	if v == nil {
		res, err = cl.Get(c.srv.URL + path)
	} else {
		res, err = cl.PostForm(c.srv.URL+path, v)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestConsentUI_pages(t *testing.T) {
	_, c, _ := setup(t, WithConsentRedirect("https://app.example/back"))
	uid := c.createUser()
	client := c.token3(uid)
	tests := []struct {
		name, query string
		status      int
		contains    string
	}{
		{"no token", "", 401, "token is missing"},
		{"server token", "token=" + c.token3(""), 403, "CLIENT_ACCESS"},
		{"bad action", "action=delete&token=" + client, 400, "not served"},
		{"manage without consent", "action=manage&token=" + client, 200, "no active consent"},
		{"update without connection", "action=update&token=" + client, 400, "needs a connectionId"},
		{"picker", "state=abc&token=" + client, 200, `<select name="institutionId"`},
		{"fixed bank", "institutionId=AU00001&token=" + client, 200, "Hooli Bank MFA Token"},
		{"unknown bank", "institutionId=AU99999&token=" + client, 400, "does not exist"},
	}
	for _, tt := range tests {
		status, _, body := c.form("/consent?"+tt.query, nil)
		if status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("%s: got %d, want %d with %q:\n%s", tt.name, status, tt.status, tt.contains, body)
		}
	}
	_, _, body := c.form("/consent?token="+client, nil)
	for _, login := range []string{"gavinBelson", "hooli2016", "bighead", `name="consent"`} {
		if !strings.Contains(body, login) {
			t.Errorf("the form does not show %q", login)
		}
	}
}

var jobIDsRE = regexp.MustCompile(`^https://app\.example/back\?jobId=([0-9a-f-]{36})&jobIds=([0-9a-f-]{36})&state=s%26t$`)

func TestConsentUI_submit(t *testing.T) {
	srv, c, clk := setup(t, WithConsentRedirect("https://app.example/back"))
	uid := c.createUser()
	client := c.token3(uid)
	v := url.Values{"token": {client}, "state": {"s&t"}, "institutionId": {"AU00000"}, "loginId": {"gavinBelson"}, "password": {"hooli2016"}}
	if status, _, body := c.form("/consent", v); status != 400 || !strings.Contains(body, "Tick the box") {
		t.Fatalf("without consent: got %d %s", status, body)
	}
	if srv.Connections() != 0 {
		t.Fatal("a refused submit made a connection")
	}
	v.Set("consent", "yes")
	status, h, _ := c.form("/consent", v)
	m := jobIDsRE.FindStringSubmatch(h.Get("Location"))
	if status != 303 || m == nil || m[1] != m[2] {
		t.Fatalf("submit: got %d Location %q", status, h.Get("Location"))
	}
	clk.Advance(10 * time.Second)
	if js, _ := srv.Job(m[1]); js.Status != "success" || js.UserID != uid {
		t.Errorf("job %+v", js)
	}
	// MFA bank: the prompt, then the redirect; the consent exists, so no box.
	v = url.Values{"token": {client}, "institutionId": {"AU00002"}, "loginId": {"jared"}, "password": {"django"}}
	status, _, body := c.form("/consent", v)
	jm := regexp.MustCompile(`name="jobId" value="([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if status != 200 || jm == nil || !strings.Contains(body, "first employer") {
		t.Fatalf("MFA prompt: got %d %s", status, body)
	}
	status, h, _ = c.form("/consent/mfa", url.Values{"token": {client}, "jobId": {jm[1]}, "answer": {"Hooli"}})
	if status != 303 || !strings.Contains(h.Get("Location"), "jobId="+jm[1]) {
		t.Fatalf("MFA answer: got %d %q", status, h.Get("Location"))
	}
	clk.Advance(10 * time.Second)
	if js, _ := srv.Job(jm[1]); js.Status != "success" {
		t.Errorf("MFA job %+v", js)
	}
	other := c.token3(c.createUser())
	if status, _, _ := c.form("/consent/mfa", url.Values{"token": {other}, "jobId": {jm[1]}, "answer": {"Hooli"}}); status != 400 {
		t.Errorf("another user's job: got %d, want 400", status)
	}
}

func TestConsentUI_authLink(t *testing.T) {
	srv, c, _ := setup(t)
	uid := c.must(201, "POST", "/users", `{"email":"a@b.co","mobile":"+61410888999"}`).obj(t)["id"].(string)
	link := c.must(201, "POST", "/users/"+uid+"/auth_link", "").obj(t)["links"].(map[string]any)["public"].(string)
	u, _ := url.Parse(link)
	if status, _, body := c.form(u.RequestURI(), nil); status != 200 || !strings.Contains(body, "a@b.co") {
		t.Fatalf("auth link page: %d %s", status, body)
	}
	v := url.Values{"authLink": {u.Query().Get("authLink")}, "institutionId": {"AU00000"}, "loginId": {"jared"}, "password": {"django"}, "consent": {"yes"}}
	status, _, body := c.form("/consent", v)
	if status != 200 || !strings.Contains(body, `class="job"`) || srv.Connections() != 1 {
		t.Fatalf("submit without a redirect URL: got %d %s, want the done page", status, body)
	}
	if r := c.do("GET", "/users/"+uid+"/auth_link", ""); r.status != 410 {
		t.Errorf("used auth link: got %d, want 410", r.status)
	}
	if status, _, _ := c.form("/consent", v); status != 410 {
		t.Errorf("second use: got %d, want 410", status)
	}
}

func TestConsentUI_severalBanks(t *testing.T) {
	_, c, _ := setup(t, WithConsentRedirect("https://app.example/back"))
	uid := c.createUser()
	client := c.token3(uid)
	hidden := regexp.MustCompile(`name="jobIds" value="([^"]*)"`)
	v := url.Values{"token": {client}, "state": {"7"}, "institutionId": {"AU00000"}, "loginId": {"jared"}, "password": {"django"},
		"consent": {"yes"}, "next": {"another"}}
	status, _, body := c.form("/consent", v)
	m := hidden.FindStringSubmatch(body)
	if status != 200 || m == nil || m[1] == "" || !strings.Contains(body, `id="done"`) || !strings.Contains(body, `<select name="institutionId"`) {
		t.Fatalf("connect then another: got %d %s", status, body)
	}
	first := m[1]
	// the second bank has MFA: the prompt carries the visit on
	v = url.Values{"token": {client}, "state": {"7"}, "jobIds": {first}, "institutionId": {"AU00001"}, "loginId": {"richard"},
		"password": {"tabsnotspaces"}}
	status, _, body = c.form("/consent", v)
	jm := regexp.MustCompile(`name="jobId" value="([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if status != 200 || jm == nil || !strings.Contains(body, `name="jobIds" value="`+first+`"`) {
		t.Fatalf("MFA prompt of the second bank: %d %s", status, body)
	}
	status, h, _ := c.form("/consent/mfa", url.Values{"token": {client}, "state": {"7"}, "jobIds": {first}, "jobId": {jm[1]}, "answer": {"1234"}})
	want := "https://app.example/back?jobId=" + jm[1] + "&jobIds=" + first + "," + jm[1] + "&state=7"
	if status != 303 || h.Get("Location") != want {
		t.Errorf("end of a two-bank visit: %d %q, want %q", status, h.Get("Location"), want)
	}
	status, h, _ = c.form("/consent/done", url.Values{"token": {client}, "jobIds": {first}})
	if status != 303 || h.Get("Location") != "https://app.example/back?jobId="+first+"&jobIds="+first {
		t.Errorf("Done: %d %q", status, h.Get("Location"))
	}
	other, _, otherJob := c.connect("AU00000", "jared", "django")
	_ = other
	if status, _, _ := c.form("/consent/done", url.Values{"token": {client}, "jobIds": {otherJob}}); status != 400 {
		t.Errorf("Done with another user's job: %d, want 400", status)
	}
	if status, _, _ := c.form("/consent/done", url.Values{"token": {client}}); status != 400 {
		t.Errorf("Done with no job: %d, want 400", status)
	}
}

func TestConsentUI_manageRevoke(t *testing.T) {
	srv, c, clk := setup(t, WithConsentRedirect("https://app.example/back"))
	uid := c.createUser()
	res := c.consent(gavin(uid))
	clk.Advance(10 * time.Second)
	client := c.token3(uid)
	status, _, body := c.form("/consent?action=manage&state=m&token="+client, nil)
	if status != 200 || !strings.Contains(body, `id="revoke"`) || !strings.Contains(body, `data-id="`+res.ConnectionID+`"`) ||
		!strings.Contains(body, "<td>active</td>") {
		t.Fatalf("manage page: %d %s", status, body)
	}
	status, h, _ := c.form("/consent/revoke", url.Values{"token": {client}, "state": {"m"}})
	if status != 303 || h.Get("Location") != "https://app.example/back?state=m" {
		t.Fatalf("revoke: %d %q", status, h.Get("Location"))
	}
	if got := c.eventTypesOf("event.entity.eq('consent')"); len(got) != 2 || got[1] != "consent.revoked" {
		t.Errorf("consent events %v", got)
	}
	if status, _, _ := c.form("/consent/revoke", url.Values{"token": {client}}); status != 400 {
		t.Errorf("revoking twice: %d, want 400", status)
	}
	_ = srv
}

func TestConsentUI_extend(t *testing.T) {
	_, c, clk := setup(t, WithConsentTTL(time.Hour))
	uid := c.createUser()
	res := c.consent(gavin(uid))
	client := c.token3(uid)
	clk.Advance(50 * time.Minute)
	if status, _, body := c.form("/consent?action=extend&token="+client, nil); status != 200 || !strings.Contains(body, `id="extend"`) {
		t.Fatalf("extend page: %d %s", status, body)
	}
	if status, _, body := c.form("/consent/extend", url.Values{"token": {client}}); status != 200 || !strings.Contains(body, "extended") {
		t.Fatalf("extend: %d %s", status, body)
	}
	clk.Advance(30 * time.Minute) // past the first expiry, not the new one
	var l struct {
		Data []consentOut `json:"data"`
	}
	c.must(200, "GET", "/users/"+uid+"/consents", "").decode(t, &l)
	if l.Data[0].ID != res.ConsentID || l.Data[0].Status != "active" {
		t.Errorf("after extending: %+v, want still active", l.Data[0])
	}
	clk.Advance(time.Hour)
	if got := strings.Join(c.eventTypesOf("event.entity.eq('consent')"), " "); got != "consent.created consent.updated consent.expired" {
		t.Errorf("consent events: %s", got)
	}
}
