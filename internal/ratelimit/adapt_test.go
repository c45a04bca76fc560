package ratelimit_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// A 429 lowers the rate that every process sees, once per cooldown (its
// Retry-After), and the rate grows back once the cooldown is over.
func TestLimiter_429LowersSharedRateThenRecovers(t *testing.T) {
	srv := basiqtest.NewServer(basiqtest.WithFaults(basiqtest.Fault{Path: "/users/", ThrottleRate: 1, RetryAfter: time.Second}))
	defer srv.Close()
	user := createUser(t, srv.URL)
	ns := testredis.Name(t, "rl")
	cfg := ratelimit.Config{API: ratelimit.Limit{Rate: 10, Burst: 5},
		Adapt: ratelimit.Adapt{Decrease: 0.5, Floor: 0.1, Recover: 0.25}}
	a, b := newLimiter(t, ns, cfg), newLimiter(t, ns, cfg)
	ctx := context.Background()
	c := client(t, srv.URL, a)
	rateOf := func(l *ratelimit.Limiter) float64 {
		t.Helper()
		r, err := l.Rate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := rateOf(b); r != 10 {
		t.Fatalf("rate before any 429: %v, want 10", r)
	}
	// The factor at a moment is 0.5 until the cooldown (1 s) after the first
	// 429 ends, then 0.5 + 0.25 per second. The test knows the 429's time
	// within [sent, back] and each read's within its own bounds, so the
	// bounds it checks come from those times, not from how long a loaded
	// machine took to sleep.
	factorAt := func(since time.Duration) float64 { return min(1, 0.5+0.25*max(0, since.Seconds()-1)) }
	sent := time.Now()
	var back time.Time
	for i := range 3 { // three 429s within one cooldown count once
		_, err := c.Users.Get(ctx, user)
		if _, ok := sdk.IsThrottled(err); !ok {
			t.Fatalf("call %d: %v, want a 429", i, err)
		}
		if i == 0 {
			back = time.Now()
		}
	}
	if took := time.Since(back); took > 900*time.Millisecond {
		t.Skipf("the second and third calls took %v, maybe not within the first 429's cooldown of 1s: the machine is too loaded to check this", took)
	}
	if r := rateOf(b); r != 5 {
		t.Fatalf("rate the other process sees after three 429s in a second: %v, want 5", r)
	}
	time.Sleep(2 * time.Second) // 1s of cooldown, then 1s of recovery: 0.5 + 0.25
	before := time.Now()
	r := rateOf(b)
	lo, hi := 10*factorAt(before.Sub(back)), 10*factorAt(time.Since(sent))
	if r < lo-0.01 || r > hi+0.01 {
		t.Errorf("rate 1s after the cooldown: %v, want %.2f to %.2f (about 7.5)", r, lo, hi)
	}
	before = time.Now()
	if _, err := c.Users.Get(ctx, user); err == nil {
		t.Fatal("want a 429")
	}
	lo, hi = 10*factorAt(before.Sub(back))/2, 10*factorAt(time.Since(sent))/2
	if r := rateOf(b); r < lo-0.01 || r > hi+0.01 {
		t.Errorf("rate after another 429: %v, want %.2f to %.2f (about 3.75, half of 7.5)", r, lo, hi)
	}
}

// The factor never goes under Floor, and a limit of rate 0 has none.
func TestLimiter_floorAndUnlimited(t *testing.T) {
	ns := testredis.Name(t, "rl")
	l := newLimiter(t, ns, ratelimit.Config{API: ratelimit.Limit{Rate: 10, Burst: 1},
		Adapt: ratelimit.Adapt{Decrease: 0.1, Floor: 0.3, Recover: 0.01}})
	ctx := context.Background()
	if f, err := l.Throttled(ctx, 0); err != nil || f != 0.3 {
		t.Errorf("factor after a 429 with Decrease 0.1, Floor 0.3: %v, %v; want 0.3", f, err)
	}
	free := newLimiter(t, ns+"-free", ratelimit.Config{})
	if f, err := free.Throttled(ctx, time.Second); err != nil || f != 1 {
		t.Errorf("unlimited: factor %v, %v; want 1", f, err)
	}
	for range 50 {
		if err := free.Wait(ctx); err != nil {
			t.Fatalf("unlimited Wait: %v", err)
		}
	}
}

// POST /token passes the token limit: past its burst, a token request is
// sent back while other calls still go.
func TestTransport_tokenLimit(t *testing.T) {
	var tokens int
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			tokens++
		}
		w.WriteHeader(http.StatusNoContent)
	})
	l := newLimiter(t, testredis.Name(t, "rl"), ratelimit.Config{API: ratelimit.Limit{Rate: 100, Burst: 10},
		Token: ratelimit.Limit{Rate: 0.5, Burst: 2}, MaxWait: 50 * time.Millisecond})
	rt := l.Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rec := newRecorder()
		srv.ServeHTTP(rec, r)
		return rec.Result(), nil
	}))
	do := func(method, path string) error {
		req, _ := http.NewRequest(method, "http://basiq.test"+path, nil)
		resp, err := rt.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	for i := range 2 {
		if err := do("POST", "/token"); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
	}
	if _, ok := ratelimit.Delay(do("POST", "/token")); !ok {
		t.Error("third token request at once: sent, want a *DelayError")
	}
	if err := do("GET", "/jobs/j1"); err != nil {
		t.Errorf("GET /jobs/j1 after the token limit was reached: %v, want it sent", err)
	}
	if tokens != 2 {
		t.Errorf("server saw %d token requests, want 2", tokens)
	}
}
