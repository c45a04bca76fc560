package sdk_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// elsewhere is a second server, the target of redirects off the base
// host. It counts what reaches it and reports any credential it sees.
func elsewhere(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if a := r.Header.Get("Authorization"); a != "" {
			t.Errorf("the other host got %s %s with Authorization %q", r.Method, r.URL.Path, a)
		}
		writeJSON(w, 200, map[string]any{"type": "user", "id": "u-1", "access_token": "evil", "expires_in": 3600})
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestRedirect_offBaseHostNotFollowed(t *testing.T) {
	tests := []struct {
		name   string
		status int
		call   func(*sdk.Client) error
	}{
		{"GET 302", http.StatusFound, getUser},
		{"GET 301", http.StatusMovedPermanently, getUser},
		{"DELETE 307", http.StatusTemporaryRedirect, deleteUser},
		{"POST 307", http.StatusTemporaryRedirect, createUser},
		{"POST 308", http.StatusPermanentRedirect, createUser},
		{"POST 303", http.StatusSeeOther, createUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other, hits := elsewhere(t)
			s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.Path, tt.status)
			})
			err := tt.call(s.client(t))
			checkRedirectRefused(t, err, tt.status, other.URL)
			if n := hits.Load(); n != 0 {
				t.Fatalf("got %d requests on the other host, want none", n)
			}
			if n := s.calls.Load(); n != 1 {
				t.Fatalf("got %d calls on the base host, want 1 (a refused redirect is not retried)", n)
			}
		})
	}
}

// The API key of POST /token must not follow a redirect either.
func TestRedirect_tokenRequestNotFollowed(t *testing.T) {
	other, hits := elsewhere(t)
	base := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(base.Close)
	c, err := sdk.New(stubKey, sdk.WithBaseURL(base.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Token(ctxT(t))
	checkRedirectRefused(t, err, http.StatusTemporaryRedirect, other.URL)
	if n := hits.Load(); n != 0 {
		t.Fatalf("got %d requests on the other host, want none", n)
	}
}

// A caller's own redirect policy cannot send the token elsewhere: the
// SDK's check runs first.
func TestRedirect_permissiveHTTPClientStillRefused(t *testing.T) {
	other, hits := elsewhere(t)
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	})
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	err := getUser(s.client(t, sdk.WithHTTPClient(hc)))
	checkRedirectRefused(t, err, http.StatusFound, other.URL)
	if n := hits.Load(); n != 0 {
		t.Fatalf("got %d requests on the other host, want none", n)
	}
}

func checkRedirectRefused(t *testing.T, err error, status int, other string) {
	t.Helper()
	var apiErr *sdk.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
		t.Fatalf("got %v, want a %d *sdk.Error", err, status)
	}
	if !strings.Contains(err.Error(), other) || !strings.Contains(err.Error(), "not followed") {
		t.Errorf("got %q, want it to name the refused target %s", err, other)
	}
	if sdk.IsRetryable(err) || sdk.IsNotSent(err) {
		t.Errorf("got retryable %v, not sent %v; want neither: the base host answered", sdk.IsRetryable(err), sdk.IsNotSent(err))
	}
}

func TestRedirect_sameHostFollowed(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/users/old" {
			http.Redirect(w, r, "/users/u-1", http.StatusFound)
			return
		}
		writeJSON(w, 200, map[string]any{"type": "user", "id": "u-1"})
	})
	u, err := s.client(t).Users.Get(ctxT(t), "old")
	if err != nil || u.ID != "u-1" {
		t.Fatalf("got %+v, %v; want user u-1 after a redirect on the base host", u, err)
	}
}
