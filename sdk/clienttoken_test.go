package sdk_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// scopeStub issues tokens named after their scope ("server-N",
// "client-U-N") and records the form of each token request and the
// Authorization of every other request.
type scopeStub struct {
	*httptest.Server
	mu    sync.Mutex
	forms []string
	auths map[string][]string // "METHOD path" -> Authorization values
	n     int
}

func newScopeStub(t *testing.T, h http.HandlerFunc) *scopeStub {
	t.Helper()
	s := &scopeStub{auths: make(map[string][]string)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			s.token(w, r)
			return
		}
		s.mu.Lock()
		s.auths[r.Method+" "+r.URL.Path] = append(s.auths[r.Method+" "+r.URL.Path], r.Header.Get("Authorization"))
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scopeStub) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	s.n++
	n := s.n
	s.forms = append(s.forms, r.PostForm.Encode())
	s.mu.Unlock()
	tok := fmt.Sprintf("server-%d", n)
	if r.PostForm.Get("scope") == "CLIENT_ACCESS" {
		tok = fmt.Sprintf("client-%s-%d", r.PostForm.Get("userId"), n)
	}
	writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

func (s *scopeStub) snapshot() (forms []string, auths map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	auths = make(map[string][]string, len(s.auths))
	for k, v := range s.auths {
		auths[k] = append([]string(nil), v...)
	}
	return append([]string(nil), s.forms...), auths
}

func (s *scopeStub) client(t *testing.T, opts ...sdk.Option) *sdk.Client {
	t.Helper()
	c, err := sdk.New(stubKey, append([]sdk.Option{sdk.WithBaseURL(s.URL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientToken_onceUnderConcurrency(t *testing.T) {
	s := newScopeStub(t, nil)
	c := s.client(t, sdk.WithAPIVersion("3.0"))
	var wg sync.WaitGroup
	got := make(chan string, 100)
	for i := range 100 {
		user := []string{"u-1", "u-2"}[i%2]
		wg.Go(func() {
			tok, err := c.Users.For(user).ClientToken(ctxT(t))
			if err != nil {
				t.Error(err)
				return
			}
			got <- user + "=" + tok.AccessToken
		})
	}
	wg.Wait()
	close(got)
	seen := map[string]int{}
	for g := range got {
		seen[g]++
	}
	forms, _ := s.snapshot()
	if len(forms) != 2 || len(seen) != 2 {
		t.Fatalf("got %d token requests %v and tokens %v, want one per user", len(forms), forms, seen)
	}
	for g := range seen {
		user, tok, _ := strings.Cut(g, "=")
		if !strings.HasPrefix(tok, "client-"+user+"-") {
			t.Errorf("user %s got token %s, want its own client token", user, tok)
		}
	}
	for _, f := range forms {
		if !strings.HasPrefix(f, "scope=CLIENT_ACCESS&userId=u-") {
			t.Errorf("got token form %q, want scope=CLIENT_ACCESS&userId=...", f)
		}
	}
}

func TestClientToken_emptyUser(t *testing.T) {
	s := newScopeStub(t, nil)
	if _, err := s.client(t).Users.For(" ").ClientToken(ctxT(t)); err == nil {
		t.Fatal("got nil error for an empty user id, want one")
	}
	if forms, _ := s.snapshot(); len(forms) != 0 {
		t.Fatalf("got token requests %v, want none", forms)
	}
}

// mfaJob is a job of user u-1 waiting for its MFA answer.
const mfaJob = `{"type":"job","id":"j-1","steps":[{"title":"verify-credentials","status":"success","result":{"type":"link","url":"/users/u-1/connections/c-1"}},
 {"title":"mfa-challenge","status":"in-progress","result":{"type":"mfa","method":"token","input":["Token"]}}],"links":{"self":"/jobs/j-1"}}`

func mfaStub(t *testing.T) *scopeStub {
	return newScopeStub(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/jobs/j-1":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, mfaJob)
		case r.Method == "POST" && r.URL.Path == "/jobs/j-1/mfa":
			if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer server-") && r.Header.Get("basiq-version") == "3.0" {
				writeErr(w, 403, "forbidden-access", "CLIENT_ACCESS token required")
				return
			}
			writeJSON(w, 202, map[string]any{"type": "job", "id": "j-1"})
		default:
			writeErr(w, 404, "resource-not-found", "no route")
		}
	})
}

func TestSubmitMFA_clientTokenUnder30(t *testing.T) {
	tests := []struct {
		version  string
		wantAuth string // prefix of the MFA answer's bearer
		wantGets int    // job reads before answering
	}{
		{"3.0", "Bearer client-u-1-", 1},
		{"2.0", "Bearer server-", 0},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			s := mfaStub(t)
			c := s.client(t, sdk.WithAPIVersion(tt.version))
			if _, err := c.Jobs.SubmitMFA(ctxT(t), "j-1", "1234"); err != nil {
				t.Fatal(err)
			}
			_, auths := s.snapshot()
			if got := auths["POST /jobs/j-1/mfa"]; len(got) != 1 || !strings.HasPrefix(got[0], tt.wantAuth) {
				t.Fatalf("got MFA answers with %v, want one with %s...", got, tt.wantAuth)
			}
			if got := len(auths["GET /jobs/j-1"]); got != tt.wantGets {
				t.Fatalf("got %d job reads, want %d", got, tt.wantGets)
			}
		})
	}
}

func TestSubmitMFA_explicitUser(t *testing.T) {
	s := mfaStub(t)
	c := s.client(t, sdk.WithAPIVersion("3.0"))
	for range 3 {
		if _, err := c.Users.For("u-1").SubmitMFA(ctxT(t), "j-1", "1234"); err != nil {
			t.Fatal(err)
		}
	}
	forms, auths := s.snapshot()
	if len(auths["GET /jobs/j-1"]) != 0 || len(forms) != 1 || forms[0] != "scope=CLIENT_ACCESS&userId=u-1" {
		t.Fatalf("got job reads %v and token forms %v, want no read and one client token", auths["GET /jobs/j-1"], forms)
	}
}

func TestSubmitMFA_noUser(t *testing.T) {
	s := newScopeStub(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "job", "id": "j-1", "steps": []any{}})
	})
	_, err := s.client(t, sdk.WithAPIVersion("3.0")).Jobs.SubmitMFA(ctxT(t), "j-1", "1234")
	if err != sdk.ErrNoUser {
		t.Fatalf("got %v, want ErrNoUser", err)
	}
}

func TestClientToken_reauthenticates(t *testing.T) {
	s := newScopeStub(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer client-u-1-1" {
			writeErr(w, 403, "access-denied", "Token has expired")
			return
		}
		writeJSON(w, 202, map[string]any{"type": "job", "id": "j-1"})
	})
	c := s.client(t, sdk.WithAPIVersion("3.0"))
	if _, err := c.Users.For("u-1").SubmitMFA(ctxT(t), "j-1", "1234"); err != nil {
		t.Fatal(err)
	}
	forms, auths := s.snapshot()
	got := auths["POST /jobs/j-1/mfa"]
	if len(forms) != 2 || len(got) != 2 || got[1] != "Bearer client-u-1-2" {
		t.Fatalf("got token forms %v and answers %v, want a second client token and the answer resent with it", forms, got)
	}
}

func TestToken_formOnEveryVersion(t *testing.T) {
	for _, v := range []string{"1.0", "2.0", "2.1", "3.0"} {
		t.Run(v, func(t *testing.T) {
			s := newScopeStub(t, nil)
			c := s.client(t, sdk.WithAPIVersion(v))
			if _, err := c.Token(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Users.For("u-9").ClientToken(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			forms, _ := s.snapshot()
			if len(forms) != 2 || forms[0] != "scope=SERVER_ACCESS" || forms[1] != "scope=CLIENT_ACCESS&userId=u-9" {
				t.Fatalf("got token forms %q, want the server's then the client's scope", forms)
			}
		})
	}
}
