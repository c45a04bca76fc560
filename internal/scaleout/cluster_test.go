package scaleout

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/tasks/webhook"
)

// TestCluster runs the pipeline on a six-node cluster.
func TestCluster(t *testing.T) {
	t.Parallel()
	testClusterPipeline(t, cluster(t, 0))
}

// TestCluster_masterKilled kills a master mid-run, on a cluster of its own
// (the kill would disturb TestCluster, which runs beside it).
func TestCluster_masterKilled(t *testing.T) {
	t.Parallel()
	testClusterMasterKilled(t, cluster(t, 1))
}

// clusterQueues are n queues of the test's own, spread over the masters
// (one asynq queue lives in one slot); it logs which master serves each.
func clusterQueues(t *testing.T, c *testredis.Cluster, n int) []string {
	t.Helper()
	queues := make([]string, n)
	masters := map[string]int{}
	for i := range queues {
		queues[i] = testredis.Name(t, fmt.Sprintf("q%d", i))
		m, err := c.MasterOf(context.Background(), "asynq:{"+queues[i]+"}:pending")
		if err != nil {
			t.Fatal(err)
		}
		masters[m.Addr]++
	}
	t.Logf("%d queues over masters %v", n, masters)
	return queues
}

// hookReceiver counts the verified webhook deliveries by webhook-id.
type hookReceiver struct {
	mu     sync.Mutex
	ids    map[string]int
	secret string
}

func newHookReceiver(t *testing.T) (*hookReceiver, string) {
	key := make([]byte, 32)
	rand.Read(key)
	h := &hookReceiver{ids: map[string]int{}, secret: "whsec_" + base64.StdEncoding.EncodeToString(key)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(key, r.Header, body, time.Now(), 0); err != nil {
			t.Errorf("webhook: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.ids[r.Header.Get(wire.HeaderWebhookID)]++
		h.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return h, srv.URL
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ids)
}

func testClusterPipeline(t *testing.T, c *testredis.Cluster) {
	ctx := context.Background()
	hooks, hookURL := newHookReceiver(t)
	st := newStack(t, c.URL(), clusterQueues(t, c, 6))
	st.env["WEBHOOK_URL"], st.env["WEBHOOK_SECRET"] = hookURL, hooks.secret
	// Each task waits for the replica of its queue's master and of the
	// namespace's (internal/durable on Redis Cluster: one marker per master).
	st.env["REDIS_WAIT_REPLICAS"] = "1"
	w := st.startWorker(nil)
	st.startWorker(nil)
	users := st.users(ctx, 60)
	ids := st.createAll(ctx, users)
	got := st.results(ctx, ids, 60*time.Second, 500*time.Millisecond)
	st.checkExactlyOnce(t, ids, got)

	t.Run("webhooks", func(t *testing.T) {
		if err := waitUntil(30*time.Second, func() bool { return hooks.count() >= len(ids) }); err != nil {
			t.Errorf("webhooks delivered: %d distinct, want %d", hooks.count(), len(ids))
		}
	})
	t.Run("scheduler", func(t *testing.T) { checkScheduler(t, st, got[ids[0]][0]) })
	t.Run("admin queue view", func(t *testing.T) { checkQueueView(t, "http://"+w.admin+"/ui/api", st.queues) })
	checkNoCrossSlot(t, st.logs())
}

// checkScheduler registers a refresh every second on the connection of r
// and waits for two scheduled refreshes' results.
func checkScheduler(t *testing.T, st *stack, r tasks.Result) {
	ctx := context.Background()
	client := tasks.NewClient(st.app, nil, tasks.WithNamespace(st.ns), tasks.WithMinRefreshInterval(time.Second))
	id, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: r.UserID, ConnectionID: r.ConnectionID,
		Interval: time.Second, Queue: st.queues[1]})
	if err != nil {
		t.Fatal(err)
	}
	defer client.UnscheduleRefresh(ctx, id)
	ticks := func() int {
		n := 0
		for taskID, rs := range st.readResults(ctx) {
			if strings.HasPrefix(taskID, "schedule:") && rs[0].Outcome == tasks.OutcomeCompleted {
				n++
			}
		}
		return n
	}
	if err := waitUntil(20*time.Second, func() bool { return ticks() >= 2 }); err != nil {
		t.Errorf("scheduled refreshes completed: %d, want 2", ticks())
	}
}

// checkQueueView reads the web UI's queue list and each queue's task lists
// through its HTTP API (asynqmon, on the cluster client).
func checkQueueView(t *testing.T, api string, queues []string) {
	body := httpGet(t, api+"/queues")
	for _, q := range queues {
		if !strings.Contains(body, q) {
			t.Errorf("GET /queues lacks queue %s: %.300s", q, body)
		}
	}
	for _, path := range []string{"", "/pending_tasks", "/active_tasks", "/scheduled_tasks", "/retry_tasks", "/archived_tasks", "/completed_tasks"} {
		httpGet(t, api+"/queues/"+queues[0]+path)
	}
	httpGet(t, api+"/servers")
	httpGet(t, api+"/queue_stats")
	httpGet(t, api+"/redis_info")
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s = %d %.300s, want 200", url, resp.StatusCode, b)
	}
	return string(b)
}

// checkNoCrossSlot fails t when a worker logged a script or command that
// touched keys of several slots.
func checkNoCrossSlot(t *testing.T, logs string) {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "CROSSSLOT") || strings.Contains(l, "non local key") || strings.Contains(l, "hash to the same slot") {
			t.Errorf("cross-slot access: %.500s", l)
		}
	}
}

// startRecoverer starts one more worker process once the topology has
// settled after a failover or a kill, as a replacement would. A task whose
// dequeue the lost master answered stays active with no worker until
// asynq's recoverer finds its lease expired for 30 s; the recoverer runs
// when a server starts and then every minute, so with the first workers'
// phase that is 60-120 s after the loss, with this one's about 60 s. The
// assertions do not change: every task must still get exactly one result.
func startRecoverer(st *stack) { st.startWorker(nil) }

func waitUntil(within time.Duration, ok func() bool) error {
	for end := time.Now().Add(within); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			return fmt.Errorf("not within %v", within)
		}
	}
	return nil
}

// testClusterMasterKilled kills (SIGKILL) the master that holds the
// namespace's keys (results, start records) while creates are enqueued and
// followed, and checks that every task still gets exactly one result once
// its replica has taken over.
func testClusterMasterKilled(t *testing.T, c *testredis.Cluster) {
	ctx := context.Background()
	st := newStack(t, c.URL(), clusterQueues(t, c, 6), slowSteps)
	st.startWorker(nil)
	st.startWorker(nil)
	users := st.users(ctx, 60)
	p := probe(st.app, st.ns)
	wait := st.collect(ctx, len(users), 150*time.Second, time.Second)
	idsc := make(chan []string, 1)
	go func() { idsc <- st.createAll(ctx, users) }()
	time.Sleep(700 * time.Millisecond)
	start := time.Now()
	killed, took, err := c.KillMaster(ctx, wire.ResultsStreamKey(st.ns))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed master %s; its replica serves the slot and the cluster is ok after %v", killed.Addr, took.Round(time.Millisecond))
	startRecoverer(st)
	ids := <-idsc
	got := wait()
	down, errs, sample := p.window()
	t.Logf("last result %v after the kill; %d results came more than 10s after it",
		st.lastSeen().Sub(start).Round(time.Millisecond), st.seenAfter(start.Add(10*time.Second)))
	t.Logf("writes to the namespace's slot failed for %v (%d probe errors, first: %q); %d enqueues retried",
		down.Round(time.Millisecond), errs, sample, st.enqueueErrors.Load())
	if down > took+10*time.Second {
		t.Errorf("writes to the namespace's slot failed for %v, though the replica took over after %v", down, took)
	}
	st.checkExactlyOnce(t, ids, got)
	checkNoCrossSlot(t, st.logs())
	logSummary(t, st.logs())
}
