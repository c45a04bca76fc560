package basiqtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// client talks to a test server with a bearer token.
type client struct {
	t     *testing.T
	srv   *Server
	token string
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// errCode returns the first error code of an error body.
func (r resp) errCode(t *testing.T) string {
	t.Helper()
	var e errorBody
	r.decode(t, &e)
	if e.Type != "list" || len(e.Data) == 0 || e.CorrelationID == "" {
		t.Fatalf("error body %s is not in Basiq's shape", r.body)
	}
	return e.Data[0].Code
}

func setup(t *testing.T, opts ...Option) (*Server, *client, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	srv := NewServer(append([]Option{WithClock(clk.Now), WithTokenTTL(10000 * time.Hour)}, opts...)...)
	t.Cleanup(srv.Close)
	c := &client{t: t, srv: srv}
	c.token = c.newToken()
	return srv, c, clk
}

func (c *client) newToken() string {
	c.t.Helper()
	r := c.raw("POST", "/token", "", map[string]string{"Authorization": "Basic a2V5OnNlY3JldA==", "basiq-version": "2.0"})
	if r.status != 200 {
		c.t.Fatalf("POST /token: got %d %s, want 200", r.status, r.body)
	}
	var tok tokenAnswer
	r.decode(c.t, &tok)
	return tok.AccessToken
}

func (c *client) raw(method, path, body string, hdr map[string]string) resp {
	c.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = c.srv.URL + path
	}
	req, err := http.NewRequest(method, u, bytes.NewBufferString(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func (c *client) do(method, path, body string) resp {
	c.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + c.token}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	return c.raw(method, path, body, h)
}

// must calls do and fails unless the status is want.
func (c *client) must(want int, method, path, body string) resp {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		c.t.Fatalf("%s %s: got %d %s, want %d", method, path, r.status, r.body, want)
	}
	return r
}

func (c *client) createUser() string {
	c.t.Helper()
	return c.must(201, "POST", "/users", `{"email":"gavin@hooli.com"}`).obj(c.t)["id"].(string)
}

// connect creates a user and a connection; it returns the user, connection and job ids.
func (c *client) connect(inst, login, password string) (uid, cid, jid string) {
	c.t.Helper()
	uid = c.createUser()
	body := `{"loginId":"` + login + `","password":"` + password + `","institution":{"id":"` + inst + `"}}`
	jid = c.must(202, "POST", "/users/"+uid+"/connections", body).obj(c.t)["id"].(string)
	js, _ := c.srv.Job(jid)
	return uid, js.ConnectionID, jid
}

type jobView struct {
	ID      string `json:"id"`
	Created string `json:"created"`
	Updated string `json:"updated"`
	Steps   []struct {
		Title  string          `json:"title"`
		Status string          `json:"status"`
		Result json.RawMessage `json:"result"`
	} `json:"steps"`
	Links struct {
		Self   string `json:"self"`
		Source string `json:"source"`
	} `json:"links"`
}

func (c *client) job(id string) jobView {
	c.t.Helper()
	var j jobView
	c.must(200, "GET", "/jobs/"+id, "").decode(c.t, &j)
	return j
}

// statuses renders a job's step statuses as "title=status,...".
func (j jobView) statuses() string {
	var parts []string
	for _, s := range j.Steps {
		parts = append(parts, s.Title+"="+s.Status)
	}
	return strings.Join(parts, ",")
}

func (j jobView) step(title string) (status string, result map[string]any) {
	for _, s := range j.Steps {
		if s.Title == title {
			_ = json.Unmarshal(s.Result, &result)
			return s.Status, result
		}
	}
	return "", nil
}

func urlq(s string) string { return url.QueryEscape(s) }
