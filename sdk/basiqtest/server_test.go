package basiqtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNew_Handler_baseURL(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want func(host string) string
	}{
		{"fromHost", nil, func(host string) string { return "http://" + host }},
		{"configured", []Option{WithBaseURL("https://basiq.example/")}, func(string) string { return "https://basiq.example" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := New(tt.opts...)
			if srv.URL != "" {
				t.Errorf("URL: got %q, want empty for New", srv.URL)
			}
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			defer srv.Close()
			c := &client{t: t, srv: &Server{URL: ts.URL}}
			c.token = c.newToken()
			var in institutionOut
			c.must(200, "GET", "/institutions/AU00001", "").decode(t, &in)
			if want := tt.want(strings.TrimPrefix(ts.URL, "http://")) + "/institutions/AU00001"; in.Links.Self != want {
				t.Errorf("links.self: got %s, want %s", in.Links.Self, want)
			}
		})
	}
}

func TestUsers_Get_withConnections(t *testing.T) {
	_, c, clk := setup(t)
	uid, cid, _ := c.connect("AU00000", "jared", "django")
	clk.Advance(hour)
	var u struct {
		Connections struct {
			Count int   `json:"count"`
			Data  []ref `json:"data"`
		} `json:"connections"`
		Accounts struct {
			Count int   `json:"count"`
			Data  []ref `json:"data"`
		} `json:"accounts"`
	}
	c.must(200, "GET", "/users/"+uid, "").decode(t, &u)
	if u.Connections.Count != 1 || u.Connections.Data[0].ID != cid || u.Accounts.Count < 2 || u.Accounts.Data[0].Type != "account" {
		t.Errorf("got %+v, want 1 connection and its accounts", u)
	}
}

func TestJobs_MFA_expiryOption(t *testing.T) {
	_, c, clk := setup(t, WithMFAExpiry(10*time.Second))
	_, _, jid := c.connect("AU00002", "jared", "django")
	clk.Advance(time.Second)
	_, res := c.job(jid).step("mfa-challenge")
	if res["expiryMs"] != float64(10000) {
		t.Errorf("expiryMs: got %v, want 10000", res["expiryMs"])
	}
	clk.Advance(10 * time.Second)
	if j := c.job(jid); failedCode(j) != "job-timed-out" {
		t.Errorf("after expiry: got %s, want job-timed-out", j.statuses())
	}
	c.must(400, "POST", "/jobs/"+jid+"/mfa", `{"mfa-response":["Hooli"]}`)
}

func TestConnections_Refresh_waitingMFA(t *testing.T) {
	_, c, clk := setup(t)
	uid, cid, jid := c.connect("AU00001", "jared", "django")
	clk.Advance(time.Minute)
	if got := c.must(200, "POST", "/users/"+uid+"/connections/"+cid+"/refresh", "").obj(t)["id"]; got != jid {
		t.Errorf("refresh while MFA waits: got %v, want %s", got, jid)
	}
}

// TestServer_concurrent runs many clients at once; run it with -race.
func TestServer_concurrent(t *testing.T) {
	srv, c, clk := setup(t, WithTransactionsPerAccount(20))
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if msg := concurrentRound(c, srv, clk); msg != "" {
					errs <- msg
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func concurrentRound(c *client, srv *Server, clk *fakeClock) string {
	get := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	st, u := get("POST", "/users", `{"email":"a@b.co"}`)
	if st != 201 {
		return fmt.Sprintf("create user: got %d, want 201", st)
	}
	uid := u["id"].(string)
	st, j := get("POST", "/users/"+uid+"/connections", `{"loginId":"jared","password":"django","institution":{"id":"AU00001"}}`)
	if st != 202 {
		return fmt.Sprintf("create connection: got %d, want 202", st)
	}
	clk.Advance(time.Second)
	get("POST", "/jobs/"+j["id"].(string)+"/mfa", `{"mfa-response":["1234"]}`)
	for _, p := range []string{"/jobs/" + j["id"].(string), "/users/" + uid, "/users/" + uid + "/transactions", "/users/" + uid + "/connections/refresh"} {
		if st, _ := get("GET", p, ""); st >= 500 {
			return fmt.Sprintf("GET %s: got %d", p, st)
		}
	}
	srv.Stats()
	return ""
}
