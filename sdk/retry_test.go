package sdk_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// failing answers the first n calls with status, then 200.
func failing(n int64, status int, retryAfter string) (http.HandlerFunc, *atomic.Int64) {
	var count atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		if count.Add(1) <= n {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeErr(w, status, "x", "injected")
			return
		}
		writeJSON(w, 200, map[string]any{"type": "user", "id": "u-1"})
	}, &count
}

func TestRetry_methods(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		call      func(*sdk.Client) error
		wantCalls int64
		wantErr   bool
	}{
		{"GET 500 retried", 500, getUser, 2, false},
		{"GET 503 retried", 503, getUser, 2, false},
		{"DELETE 502 retried", 502, deleteUser, 2, false},
		{"POST 500 not resent", 500, createUser, 1, true},
		{"POST 429 retried", 429, createUser, 2, false},
		{"GET 400 not retried", 400, getUser, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, count := failing(1, tt.status, "")
			s := newStub(t, h)
			err := tt.call(s.client(t))
			if got := count.Load(); got != tt.wantCalls || (err != nil) != tt.wantErr {
				t.Fatalf("got %d calls, err %v; want %d calls, error %v", got, err, tt.wantCalls, tt.wantErr)
			}
		})
	}
}

func getUser(c *sdk.Client) error    { _, err := c.Users.Get(bg, "u-1"); return err }
func deleteUser(c *sdk.Client) error { return c.Users.Delete(bg, "u-1") }
func createUser(c *sdk.Client) error {
	_, err := c.Users.Create(bg, sdk.UserParams{Email: "a@b.c"})
	return err
}

func TestRetry_gaveUpAfterMaxAttempts(t *testing.T) {
	h, count := failing(100, 503, "")
	s := newStub(t, h)
	err := getUser(s.client(t, sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 4, MinBackoff: time.Millisecond})))
	var apiErr *sdk.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || count.Load() != 4 {
		t.Fatalf("got %v after %d calls, want 503 after 4", err, count.Load())
	}
}

func TestRetry_maxAttemptsOne(t *testing.T) {
	for _, status := range []int{429, 500} {
		h, count := failing(1, status, "0")
		s := newStub(t, h)
		err := getUser(s.client(t, sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1})))
		if err == nil || count.Load() != 1 {
			t.Fatalf("%d: got %v after %d calls, want the error after 1", status, err, count.Load())
		}
	}
}

func TestRetry_retryAfterHonoured(t *testing.T) {
	tests := []struct {
		name   string
		status int
		call   func(*sdk.Client) error
	}{
		{"POST 429", 429, createUser},
		{"GET 429", 429, getUser},
		{"GET 503", 503, getUser},
		{"DELETE 503", 503, deleteUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var times []time.Time
			h, _ := failing(1, tt.status, "1")
			s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				times = append(times, time.Now())
				mu.Unlock()
				h(w, r)
			})
			if err := tt.call(s.client(t)); err != nil {
				t.Fatal(err)
			}
			if len(times) != 2 {
				t.Fatalf("got %d calls, want 2", len(times))
			}
			if gap := times[1].Sub(times[0]); gap < time.Second {
				t.Fatalf("got retry after %v, want no sooner than the Retry-After of 1s", gap)
			}
		})
	}
}

func TestRetry_retryAfterTooLong(t *testing.T) {
	for _, status := range []int{429, 503} {
		h, count := failing(1, status, "120")
		s := newStub(t, h)
		start := time.Now()
		err := getUser(s.client(t))
		var apiErr *sdk.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.RetryAfter != 120*time.Second ||
			sdk.RetryAfter(err) != 120*time.Second || count.Load() != 1 || time.Since(start) > 5*time.Second {
			t.Fatalf("got %v (retry after %v) after %d calls, want the %d at once", err, sdk.RetryAfter(err), count.Load(), status)
		}
	}
}

// A POST answered 503 may have been acted on: it is not resent, even with
// a Retry-After.
func TestRetry_post503NotResent(t *testing.T) {
	h, count := failing(1, 503, "0.01")
	s := newStub(t, h)
	if err := createUser(s.client(t)); err == nil || count.Load() != 1 {
		t.Fatalf("got %v after %d calls, want the 503 after 1", err, count.Load())
	}
}

func TestRetry_ctxCancelsWait(t *testing.T) {
	h, _ := failing(1, 429, "10")
	s := newStub(t, h)
	ctx, cancel := contextWithTimeout(100 * time.Millisecond)
	defer cancel()
	_, err := s.client(t).Users.Get(ctx, "u-1")
	if _, ok := sdk.IsThrottled(err); !ok || !errors.Is(err, errDeadline) {
		t.Fatalf("got %v, want the 429 and the deadline", err)
	}
}

func TestRetry_networkError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: dial fails
	c, _ := sdk.New("k", sdk.WithBaseURL("http://"+addr), sdk.WithRetryPolicy(sdk.RetryPolicy{MinBackoff: time.Millisecond}))
	_, err = c.Users.Get(bg, "u-1")
	var apiErr *sdk.Error
	if err == nil || errors.As(err, &apiErr) || !sdk.IsRetryable(err) {
		t.Fatalf("got %v, want a retryable network error", err)
	}
}

func TestRetry_postCutNotResent(t *testing.T) {
	var count atomic.Int64
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close() // the request arrived; the answer never does
	})
	err := createUser(s.client(t))
	if err == nil || count.Load() != 1 || !sdk.IsRetryable(err) {
		t.Fatalf("got %v after %d calls, want a network error after 1", err, count.Load())
	}
	count.Store(0)
	// net/http itself may resend a GET whose reused connection broke.
	if err := getUser(s.client(t)); err == nil || count.Load() < 3 {
		t.Fatalf("GET: got %v after %d calls, want an error after at least 3", err, count.Load())
	}
}

func TestIsNotSent(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}
	read := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Err: errors.New("reset")}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"dial", dial, true},
		{"read", read, false},
		{"deadline", context.DeadlineExceeded, false},
		{"api error", &sdk.Error{StatusCode: 500}, false},
		{"nil", nil, false},
		{"transport refused before sending", &url.Error{Op: "Post", URL: "http://x", Err: refused{true}}, true},
		{"transport says sent", &url.Error{Op: "Post", URL: "http://x", Err: refused{false}}, false},
	}
	for _, tt := range tests {
		if got := sdk.IsNotSent(tt.err); got != tt.want {
			t.Errorf("IsNotSent(%s): got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// refused is an error of a transport that may refuse a request before
// sending it (as a rate limiter does), marked with NotSent.
type refused struct{ notSent bool }

func (r refused) Error() string { return "refused by the transport" }
func (r refused) NotSent() bool { return r.notSent }

func TestIsNotSent_tokenFetchFailed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			http.Error(w, `{"type":"list","data":[{"type":"error","code":"internal-server-error"}]}`, http.StatusInternalServerError)
			return
		}
		t.Errorf("request reached %s although the token fetch failed", r.URL.Path)
	}))
	defer srv.Close()
	c, err := sdk.New("key", sdk.WithBaseURL(srv.URL), sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.For("u1").CreateConnection(context.Background(), sdk.Credentials{Institution: "AU00000", LoginID: "a", Password: "b"})
	if err == nil || !sdk.IsNotSent(err) {
		t.Fatalf("create after a failed token fetch: got %v, want an error IsNotSent reports", err)
	}
}
