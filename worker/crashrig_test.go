package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// crashRig is a crash test's Redis handles, fake Basiq and application.
type crashRig struct {
	t        *testing.T
	spec     crashSpec
	rdb      *redis.Client
	kr       *tasks.Keyring
	srv      *basiqtest.Server
	inflight atomic.Int32 // POST /users/{id}/connections being served
	posts    atomic.Int32 // POST /users/{id}/connections received
	client   *tasks.Client
	sub      *tasks.Client
	api      *sdk.Client
	pairs    map[string][2]string // task id -> user, institution
}

// newCrashRig sets up a crash test on the Redis at redisAddr; dropRate is
// the share of creates that Basiq drops unanswered and unprocessed.
func newCrashRig(t *testing.T, redisAddr string, rdb *redis.Client, dropRate float64) *crashRig {
	t.Helper()
	r := &crashRig{t: t, rdb: rdb, pairs: map[string][2]string{}}
	key := make([]byte, tasks.KeySize)
	rand.Read(key)
	r.kr, _ = tasks.NewKeyring("k1", map[string][]byte{"k1": key})
	r.srv = basiqtest.New(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: 100 * time.Millisecond, Accounts: 100 * time.Millisecond, Transactions: 100 * time.Millisecond}),
		basiqtest.WithFaults(basiqtest.Fault{Path: "POST /users/*/connections", Latency: 150 * time.Millisecond, DropRate: dropRate}))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/connections") {
			r.inflight.Add(1)
			r.posts.Add(1)
			defer r.inflight.Add(-1)
		}
		r.srv.Handler().ServeHTTP(w, req)
	}))
	t.Cleanup(ts.Close)
	ns := testredis.Name(t, "crash")
	r.spec = crashSpec{Redis: redisAddr, Namespace: ns, Queue: ns, BasiqURL: ts.URL, Key: hex.EncodeToString(key)}
	r.client = tasks.NewClient(rdb, r.kr, tasks.WithDefaultQueue(ns), tasks.WithNamespace(ns))
	r.sub = tasks.NewClient(rdb, nil, tasks.WithNamespace(ns))
	var err error
	if r.api, err = sdk.New("app-key", sdk.WithBaseURL(ts.URL), sdk.WithAPIVersion("2.0")); err != nil {
		t.Fatal(err)
	}
	return r
}

// crashBanks are the institutions the creates use: four per user.
var crashBanks = []string{"AU00000", "AU00201", "AU00301", "AU00401"}

// enqueue enqueues n creates, one per user and bank.
func (r *crashRig) enqueue(n int) []string {
	r.t.Helper()
	ctx := context.Background()
	var ids []string
	var user string
	for i := range n {
		if i%len(crashBanks) == 0 {
			u, err := r.api.Users.Create(ctx, sdk.UserParams{Email: randHex(4) + "@hooli.com"})
			if err != nil {
				r.t.Fatal(err)
			}
			user = u.ID
		}
		bank := crashBanks[i%len(crashBanks)]
		id, err := r.client.CreateConnection(ctx, tasks.CreateConnection{UserID: user, InstitutionID: bank,
			Credentials: tasks.Credentials{LoginID: "gavinBelson", Password: "hooli2016"}})
		if err != nil {
			r.t.Fatal(err)
		}
		ids = append(ids, id)
		r.pairs[id] = [2]string{user, bank}
	}
	return ids
}

// results reads the results stream until every task of ids has a result
// or d has passed (Redis errors, as during a restart, are waited out),
// then a little longer for late duplicates. When no result came for
// stall, stalled is called with the tasks still without one.
func (r *crashRig) results(ids []string, d, stall time.Duration, stalled func(missing []string)) map[string][]tasks.Result {
	got := map[string][]tasks.Result{}
	after, end, settled, last := "0-0", time.Now().Add(d), time.Time{}, time.Now()
	for time.Now().Before(end) && (settled.IsZero() || time.Now().Before(settled)) {
		evs, err := r.sub.ReadResults(context.Background(), after, 1000, 0)
		if err != nil || len(evs) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
		for _, e := range evs {
			after, last = e.StreamID, time.Now()
			if e.Type == tasks.EventResult {
				got[e.Result.TaskID] = append(got[e.Result.TaskID], *e.Result)
			}
		}
		if settled.IsZero() && len(got) >= len(ids) {
			settled = time.Now().Add(time.Second)
		}
		if stalled != nil && settled.IsZero() && time.Since(last) > stall {
			var missing []string
			for _, id := range ids {
				if len(got[id]) == 0 {
					missing = append(missing, id)
				}
			}
			stalled(missing)
			last = time.Now()
		}
	}
	return got
}

// orphans returns those of ids that asynq holds as active with a lease
// that has expired: nobody runs them (a worker extends the lease of each
// task it runs every 5 s), as after a dequeue whose answer a Redis restart
// cut. Their leases are marked expired long ago, for a recoverer.
func (r *crashRig) orphans(ids []string) []string {
	ctx := context.Background()
	key := "asynq:{" + r.spec.Queue + "}:lease"
	var out []string
	for _, id := range ids {
		exp, err := r.rdb.ZScore(ctx, key, id).Result()
		if err != nil || time.Unix(int64(exp), 0).After(time.Now()) {
			continue // not active, or held
		}
		r.t.Logf("%s: active, its lease expired at %s: nobody runs it", id, time.Unix(int64(exp), 0).Format(time.TimeOnly))
		r.rdb.ZAddXX(ctx, key, redis.Z{Score: 1, Member: id})
		out = append(out, id)
	}
	return out
}

// crashCounts are the figures a crash test reports.
type crashCounts struct {
	creates, withResult, duplicates, unknown, completed, posts, answered, connections, doubleConns int
}

func (c crashCounts) String() string {
	return fmt.Sprintf("creates %d, with a result %d, duplicate results %d, outcome-unknown %d, completed %d; "+
		"POSTs received %d (resent %d), answered %d; connections %d (%d pairs with two)",
		c.creates, c.withResult, c.duplicates, c.unknown, c.completed, c.posts, max(c.posts-c.creates, 0), c.answered,
		c.connections, c.doubleConns)
}

// count checks got against ids and Basiq's connections.
func (r *crashRig) count(ids []string, got map[string][]tasks.Result) crashCounts {
	c := crashCounts{creates: len(ids)}
	for _, id := range ids {
		rs := got[id]
		if len(rs) > 0 {
			c.withResult++
		}
		if len(rs) > 1 {
			c.duplicates += len(rs) - 1
		}
		for _, res := range rs[:min(len(rs), 1)] {
			switch {
			case res.Outcome == tasks.OutcomeCompleted:
				c.completed++
			case res.Error != nil && res.Error.Code == tasks.CodeOutcomeUnknown:
				c.unknown++
			default:
				r.t.Logf("%s: %s %+v", id, res.Outcome, res.Error)
			}
		}
	}
	c.posts = int(r.posts.Load())
	for _, n := range r.srv.Stats().Requests["POST /users/{uid}/connections"] {
		c.answered += n
	}
	perPair := map[[2]string]int{}
	seen := map[string]bool{}
	for _, p := range r.pairs {
		if seen[p[0]] {
			continue
		}
		seen[p[0]] = true
		conns, err := r.api.Connections.List(context.Background(), p[0], nil)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, cn := range conns {
			perPair[[2]string{p[0], cn.Institution.ID}]++
			c.connections++
		}
	}
	for _, n := range perPair {
		if n > 1 {
			c.doubleConns++
		}
	}
	return c
}

// check fails the test on missing or duplicate results or connections and
// more outcome-unknown than allowed.
func (c crashCounts) check(t *testing.T, maxUnknown int) {
	t.Helper()
	t.Log(c)
	if c.withResult != c.creates || c.duplicates != 0 {
		t.Errorf("%d of %d creates have a result, %d duplicates: want one result each", c.withResult, c.creates, c.duplicates)
	}
	if c.unknown > maxUnknown {
		t.Errorf("%d outcome-unknown, want at most %d", c.unknown, maxUnknown)
	}
	if c.completed+c.unknown != c.creates {
		t.Errorf("%d completed and %d outcome-unknown of %d creates: others failed", c.completed, c.unknown, c.creates)
	}
	if c.doubleConns != 0 || c.connections > c.creates {
		t.Errorf("%d connections for %d creates, %d pairs with two: a create made two connections", c.connections, c.creates, c.doubleConns)
	}
}

// expireLeases marks every lease of the queue expired long ago (only the
// dead worker holds leases when it is called) and returns how many.
func (r *crashRig) expireLeases() int {
	ctx := context.Background()
	key := "asynq:{" + r.spec.Queue + "}:lease"
	ids, err := r.rdb.ZRange(ctx, key, 0, -1).Result()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, id := range ids {
		r.rdb.ZAddXX(ctx, key, redis.Z{Score: 1, Member: id})
	}
	return len(ids)
}

func tail(s string, n int) string { return s[max(len(s)-n, 0):] }
