package ratelimit_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/redis/go-redis/v9"
)

// newLimiter is one process's limiter: its own Redis client, the shared
// namespace and key. Its keys are deleted when the test ends.
func newLimiter(t *testing.T, ns string, cfg ratelimit.Config) *ratelimit.Limiter {
	t.Helper()
	rdb := testredis.Client(t)
	cfg.Redis, cfg.Namespace = rdb, ns
	if cfg.APIKey == "" {
		cfg.APIKey = "test-key"
	}
	l, err := ratelimit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteKeys(rdb, ns) })
	return l
}

func deleteKeys(rdb *redis.Client, ns string) {
	ctx := context.Background()
	for _, pat := range []string{"{" + ns + "}:*", "rate:{" + ns + "}:*"} {
		keys, _ := rdb.Keys(ctx, pat).Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	}
}

// client is an SDK client whose transport goes through l.
func client(t *testing.T, url string, l *ratelimit.Limiter) *sdk.Client {
	t.Helper()
	c, err := sdk.New("test-key", sdk.WithBaseURL(url), sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}),
		sdk.WithHTTPClient(&http.Client{Transport: l.Transport(http.DefaultTransport)}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hammer calls GET /users/{id} from n goroutines until ctx ends, sleeping
// the delay of each *DelayError; it counts the calls answered.
func hammer(ctx context.Context, c *sdk.Client, user string, n int, answered, deferred *atomic.Int64) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, err := c.Users.Get(ctx, user)
				if d, ok := ratelimit.Delay(err); ok {
					deferred.Add(1)
					select {
					case <-time.After(d):
					case <-ctx.Done():
					}
					continue
				}
				if ctx.Err() == nil {
					answered.Add(1)
				}
			}
		})
	}
	return &wg
}

// Two limiters on their own Redis clients (two processes) share one limit:
// together they get what one limit grants over the window, the fake's own
// limit (a bit above ours) answers no 429, and both get some (the limit is
// shared first come, first served: not fairly between processes).
func TestLimiter_sharedByTwoProcesses(t *testing.T) {
	const rate, burst, window = 20.0, 2, 3 * time.Second
	srv := basiqtest.NewServer(basiqtest.WithFaults(basiqtest.Fault{Path: "/users/", RateLimit: 22}))
	defer srv.Close()
	user := createUser(t, srv.URL)
	ns := testredis.Name(t, "rl")
	cfg := ratelimit.Config{API: ratelimit.Limit{Rate: rate, Burst: burst}, Token: ratelimit.DefaultTokenLimit, MaxWait: 250 * time.Millisecond}
	var a, b, deferred atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	wa := hammer(ctx, client(t, srv.URL, newLimiter(t, ns, cfg)), user, 8, &a, &deferred)
	wb := hammer(ctx, client(t, srv.URL, newLimiter(t, ns, cfg)), user, 8, &b, &deferred)
	wa.Wait()
	wb.Wait()
	got := a.Load() + b.Load()
	most := int64(rate*window.Seconds()) + burst + 2
	if got > most || got < most*8/10 {
		t.Errorf("answered %d calls in %s (%d + %d), want about %d, at most %d", got, window, a.Load(), b.Load(), int(rate*window.Seconds()), most)
	}
	if min(a.Load(), b.Load()) == 0 {
		t.Errorf("shares %d and %d: one process got nothing", a.Load(), b.Load())
	}
	if n := srv.Stats().Requests["GET /users/{id}"][429]; n > 0 {
		t.Errorf("the fake answered %d 429s, want none", n)
	}
	if deferred.Load() == 0 {
		t.Error("no call was sent back, want the 16 callers to outrun the limit")
	}
}

func createUser(t *testing.T, url string) string {
	t.Helper()
	c, err := sdk.New("test-key", sdk.WithBaseURL(url))
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.Users.Create(context.Background(), sdk.UserParams{Email: "rl@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// A call whose turn is further than MaxWait is sent back at once with a
// *DelayError that the SDK reports as not sent.
func TestLimiter_sendsBackLongWaits(t *testing.T) {
	// One call each 10 s: the second call's turn is about 10 s away, far
	// beyond MaxWait (2 s), and sending it back at once takes far less than
	// MaxWait even on a loaded machine. Its delay is the turn, less the time
	// since the first call, plus up to MaxWait of spread.
	l := newLimiter(t, testredis.Name(t, "rl"), ratelimit.Config{API: ratelimit.Limit{Rate: 0.1, Burst: 1}, MaxWait: 2 * time.Second})
	ctx := context.Background()
	first := time.Now()
	if err := l.Wait(ctx); err != nil {
		t.Fatalf("first call: %v, want its turn at once", err)
	}
	start := time.Now()
	err := l.Wait(ctx)
	took, sinceFirst := time.Since(start), time.Since(first)
	var de *ratelimit.DelayError
	if lo, hi := 10*time.Second-sinceFirst, 12*time.Second; !errors.As(err, &de) || de.Delay < lo || de.Delay > hi {
		t.Fatalf("second call: %v, want a *DelayError of %v to %v", err, lo.Round(time.Millisecond), hi)
	}
	if took >= 2*time.Second {
		t.Errorf("sending back took %s, want at once, not after MaxWait", took)
	}
	if !sdk.IsNotSent(&urlError{de}) {
		t.Error("sdk.IsNotSent: false for a *DelayError, want true")
	}
}

type urlError struct{ err error }

func (e *urlError) Error() string { return "Get x: " + e.err.Error() }
func (e *urlError) Unwrap() error { return e.err }

// A call whose turn is within MaxWait sleeps until it.
func TestLimiter_waitsShortTurns(t *testing.T) {
	l := newLimiter(t, testredis.Name(t, "rl"), ratelimit.Config{API: ratelimit.Limit{Rate: 10, Burst: 1}})
	ctx := context.Background()
	start := time.Now()
	for i := range 4 {
		if err := l.Wait(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("4 calls at 10/s with a burst of 1 took %s, want at least 300ms", took)
	}
}

// New names what is wrong with a limit.
func TestNew_badLimits(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	defer rdb.Close()
	tests := []struct {
		name string
		cfg  ratelimit.Config
	}{
		{"negative rate", ratelimit.Config{Redis: rdb, API: ratelimit.Limit{Rate: -1, Burst: 1}}},
		{"no burst", ratelimit.Config{Redis: rdb, Token: ratelimit.Limit{Rate: 5}}},
		{"no Redis", ratelimit.Config{}},
		{"bad adapt", ratelimit.Config{Redis: rdb, Adapt: ratelimit.Adapt{Decrease: 2, Floor: 0.1, Recover: 0.1}}},
	}
	for _, tt := range tests {
		if _, err := ratelimit.New(tt.cfg); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
