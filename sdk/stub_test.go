package sdk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// stub is an httptest server that issues tokens and hands other requests
// to a handler, counting both.
type stub struct {
	*httptest.Server
	tokens   atomic.Int64
	calls    atomic.Int64
	mu       sync.Mutex
	tokenReq []*http.Request
	bodies   []string
}

const stubKey = "c3R1YjpzZWNyZXQ="

func newStub(t *testing.T, h http.HandlerFunc) *stub {
	t.Helper()
	s := &stub{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			s.token(w, r)
			return
		}
		s.calls.Add(1)
		if r.Header.Get("basiq-version") == "" || r.Header.Get("Authorization") == "" {
			http.Error(w, "missing headers", 400)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *stub) token(w http.ResponseWriter, r *http.Request) {
	n := s.tokens.Add(1)
	_ = r.ParseForm()
	s.mu.Lock()
	s.tokenReq = append(s.tokenReq, r)
	s.bodies = append(s.bodies, r.PostForm.Encode())
	s.mu.Unlock()
	time.Sleep(20 * time.Millisecond) // widen the race window
	writeJSON(w, 200, map[string]any{"access_token": fmt.Sprintf("tok-%d", n), "token_type": "Bearer", "expires_in": 3600})
}

func (s *stub) client(t *testing.T, opts ...sdk.Option) *sdk.Client {
	t.Helper()
	c, err := sdk.New(stubKey, append([]sdk.Option{sdk.WithBaseURL(s.URL),
		sdk.WithRetryPolicy(sdk.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, detail string) {
	writeJSON(w, status, map[string]any{"type": "list", "correlationId": "corr-1",
		"data": []map[string]any{{"type": "error", "code": code, "title": code, "detail": detail}}})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var bg = context.Background()

var errDeadline = context.DeadlineExceeded

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
