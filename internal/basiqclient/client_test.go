package basiqclient

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/internal/testkeyring"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

type countingRT struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// New shares one sealed token through Redis, goes through the
// wrapped transport and never retries by itself.
func TestNew(t *testing.T) {
	srv := basiqtest.NewServer()
	t.Cleanup(srv.Close)
	rdb, kr := newDeps(t)
	rt := &countingRT{}
	opts := Options{APIKey: "key", BaseURL: srv.URL, APIVersion: "2.0", Redis: rdb, Namespace: "t", Keyring: kr,
		Concurrency: 4, WrapTransport: func(next http.RoundTripper) http.RoundTripper { rt.next = next; return rt }}
	ctx := context.Background()
	for range 2 { // two processes
		c, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Institutions.Get(ctx, "AU00000"); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Stats().TokensIssued; got != 1 {
		t.Errorf("tokens issued: got %d, want 1 shared through Redis", got)
	}
	if got := rt.n.Load(); got != 3 {
		t.Errorf("requests through the wrapped transport: got %d, want 3 (a token, two institutions)", got)
	}
	srv.SetFaults(basiqtest.Fault{Path: "/institutions", ErrorRate: 1, ErrorStatus: 503})
	c, _ := New(opts)
	before := srv.Stats().Requests["GET /institutions"][503]
	if _, err := c.Institutions.List(ctx, nil); !sdk.IsRetryable(err) {
		t.Fatalf("list institutions: %v, want the retryable 503", err)
	}
	if got := srv.Stats().Requests["GET /institutions"][503] - before; got != 1 {
		t.Errorf("503 answers: got %d requests, want 1 (no retry inside the client)", got)
	}
}

func TestNew_timeout(t *testing.T) {
	srv := basiqtest.NewServer()
	t.Cleanup(srv.Close)
	rdb, kr := newDeps(t)
	c, err := New(Options{APIKey: "key", BaseURL: srv.URL, APIVersion: "2.0", Redis: rdb, Namespace: "t", Keyring: kr,
		Concurrency: 2, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Institutions.Get(ctx, "AU00000"); err != nil {
		t.Fatalf("a call within the timeout: %v", err)
	}
	srv.SetFaults(basiqtest.Fault{Path: "/institutions", Latency: 2 * time.Second})
	_, err = c.Institutions.Get(ctx, "AU00000")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call slower than the timeout: %v, want context.DeadlineExceeded", err)
	}
	if sdk.IsRetryable(err) {
		t.Errorf("a call past its timeout is retryable: %v (Client.Timeout's was not)", err)
	}
	srv.SetFaults()
	if _, err := c.Institutions.Get(ctx, "AU00000"); err != nil {
		t.Errorf("a call after the timed-out one: %v", err)
	}
}

// newDeps returns what New needs besides Basiq: a Redis client (of a
// miniredis of the test's own) and a keyring.
func newDeps(t *testing.T) (*redis.Client, *tasks.Keyring) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return rdb, testkeyring.New(t)
}
