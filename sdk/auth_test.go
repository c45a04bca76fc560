package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
)

func TestNew_noRequest(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {})
	s.client(t)
	if got := s.tokens.Load(); got != 0 {
		t.Fatalf("got %d token requests, want 0", got)
	}
}

func TestNew_badOptions(t *testing.T) {
	tests := map[string][]sdk.Option{
		"version":  {sdk.WithAPIVersion("4.0")},
		"base":     {sdk.WithBaseURL("not a url")},
		"client":   {sdk.WithHTTPClient(nil)},
		"negative": {sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: -1})},
	}
	for name, opts := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := sdk.New("key", opts...); err == nil {
				t.Fatal("got nil error, want one")
			}
		})
	}
	if _, err := sdk.New(""); err == nil {
		t.Fatal("empty key: got nil error, want one")
	}
}

func TestConnect_tokenRequest(t *testing.T) {
	s := newStub(t, nil)
	if _, err := sdk.Connect(ctxT(t), stubKey, sdk.WithBaseURL(s.URL), sdk.WithAPIVersion("2.0")); err != nil {
		t.Fatal(err)
	}
	r := s.tokenReq[0]
	checks := []struct{ name, got, want string }{
		{"method", r.Method, "POST"},
		{"authorization", r.Header.Get("Authorization"), "Basic " + stubKey},
		{"version", r.Header.Get("basiq-version"), "2.0"},
		{"content type", r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"},
		{"body", s.bodies[0], "scope=SERVER_ACCESS"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestConnect_badKey(t *testing.T) {
	s := newStub(t, nil)
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, 404, "parameter-not-valid", "Unable to authenticate. Please, check your API key")
	})
	_, err := sdk.Connect(ctxT(t), "secret-key", sdk.WithBaseURL(s.URL))
	var apiErr *sdk.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("got %v, want a 404 *sdk.Error", err)
	}
	if strings.Contains(err.Error(), "secret-key") {
		t.Fatalf("error %q shows the key", err)
	}
}

func TestToken_concurrentRefresh(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"type": "list"}) })
	c := s.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := c.Institutions.List(ctxT(t), nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := s.tokens.Load(); got != 1 {
		t.Fatalf("got %d token requests, want 1", got)
	}
}

// memLocker is a TokenLocker shared by several clients, like the worker's
// Redis store.
type memLocker struct {
	mu    sync.Mutex
	lock  chan struct{}
	tok   sdk.Token
	loads atomic.Int64
}

func newMemLocker() *memLocker { return &memLocker{lock: make(chan struct{}, 1)} }

func (m *memLocker) Load(context.Context) (sdk.Token, error) {
	m.loads.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok.AccessToken == "" {
		return sdk.Token{}, sdk.ErrNoToken
	}
	return m.tok, nil
}

func (m *memLocker) Save(_ context.Context, t sdk.Token) error {
	m.mu.Lock()
	m.tok = t
	m.mu.Unlock()
	return nil
}

func (m *memLocker) Lock(ctx context.Context) (func(), error) {
	select {
	case m.lock <- struct{}{}:
		return func() { <-m.lock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestToken_lockerSharesAcrossClients(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"type": "list"}) })
	store := newMemLocker()
	var wg sync.WaitGroup
	for range 8 {
		c := s.client(t, sdk.WithTokenStore(store))
		wg.Go(func() {
			if _, err := c.Institutions.List(ctxT(t), nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := s.tokens.Load(); got != 1 {
		t.Fatalf("got %d token requests from 8 clients, want 1", got)
	}
}

func TestToken_recovers401(t *testing.T) {
	tests := []struct {
		name, code, detail string
		status             int
	}{
		{"401 invalid token", "invalid-authorization-token", "Invalid token", 401},
		{"403 expired", "access-denied", "Token has expired", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var refused atomic.Bool
			s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") == "Bearer tok-1" {
					refused.Store(true)
					writeErr(w, tt.status, tt.code, tt.detail)
					return
				}
				writeJSON(w, 201, map[string]any{"type": "user", "id": "u-1"})
			})
			c := s.client(t)
			u, err := c.Users.Create(ctxT(t), sdk.UserParams{Email: "a@b.c"})
			if err != nil {
				t.Fatal(err)
			}
			if u.ID != "u-1" || !refused.Load() || s.tokens.Load() != 2 {
				t.Fatalf("got user %q, refused %v, %d tokens; want u-1, true, 2", u.ID, refused.Load(), s.tokens.Load())
			}
		})
	}
}

func TestToken_refusedTwiceFails(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, 401, "invalid-authorization-token", "Invalid token")
	})
	_, err := s.client(t).Users.Get(ctxT(t), "u-1")
	if !sdk.IsTokenExpired(err) || s.calls.Load() != 2 {
		t.Fatalf("got %v after %d calls, want the 401 after 2 calls", err, s.calls.Load())
	}
	if strings.Contains(err.Error(), "tok-") {
		t.Fatalf("error %q shows a token", err)
	}
}

func TestToken_redacted(t *testing.T) {
	tok := sdk.Token{AccessToken: "secret-token", ExpiresAt: time.Now()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(verb, tok); strings.Contains(got, "secret") {
			t.Errorf("%s: got %q, want the token redacted", verb, got)
		}
	}
}

func TestCredentials_redacted(t *testing.T) {
	cr := sdk.Credentials{Institution: "AU00000", LoginID: "gavin", Password: "hunter2", SecurityCode: "9876"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		got := fmt.Sprintf(verb, cr)
		if strings.Contains(got, "hunter2") || strings.Contains(got, "9876") {
			t.Errorf("%s: got %q, want secrets redacted", verb, got)
		}
	}
	if got := fmt.Sprint(cr); !strings.Contains(got, "gavin") {
		t.Errorf("got %q, want the login id shown", got)
	}
}
