package scaleout

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// BenchmarkCluster measures connections per second end to end (enqueue,
// create, polls, result) on a Redis Cluster of one master and of three
// (no replicas), with the load spread over six queues and two worker
// processes of 32 slots, against a fake Basiq whose jobs last 60ms:
//
//	go test -run '^$' -bench BenchmarkCluster -benchtime 3x ./internal/scaleout/
//
// The ratio of the two conn/s figures is what the README reports. Each
// master's share of the Redis work (commands, including those that
// scripts run, and its CPU) is logged, with which master holds the
// namespace's slot.
func BenchmarkCluster(b *testing.B) {
	for _, masters := range []int{1, 3} {
		b.Run(fmt.Sprintf("masters=%d", masters), func(b *testing.B) {
			c, err := testredis.StartCluster(b.TempDir(), masters, 0)
			testredis.Need(b, err)
			defer c.Stop()
			benchPipeline(b, c.URL(), masters, c.Nodes)
		})
	}
}

// BenchmarkSingle is BenchmarkCluster's load on one plain redis-server.
func BenchmarkSingle(b *testing.B) {
	s := testredis.StartServer(b)
	benchPipeline(b, "redis://"+s.Addr+"/0", 1, nil)
}

// work is what one redis-server has done: commands (scripts' inner calls
// included) and CPU seconds (user + system).
type work struct {
	calls int64
	cpu   float64
}

func nodeWork(b *testing.B, n *testredis.Node) work {
	rdb := n.Client()
	defer rdb.Close()
	ctx := context.Background()
	var w work
	stats, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`calls=(\d+)`).FindAllStringSubmatch(stats, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		w.calls += n
	}
	cpu, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`used_cpu_(?:user|sys):([0-9.]+)`).FindAllStringSubmatch(cpu, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		w.cpu += x
	}
	return w
}

// logShares logs each node's share of the work done between before and now.
func logShares(b *testing.B, nodes []*testredis.Node, before []work, nsMaster string) {
	var total work
	now := make([]work, len(nodes))
	for i, n := range nodes {
		now[i] = nodeWork(b, n)
		now[i].calls -= before[i].calls
		now[i].cpu -= before[i].cpu
		total.calls += now[i].calls
		total.cpu += now[i].cpu
	}
	for i, n := range nodes {
		role := ""
		if n.Addr == nsMaster {
			role = " (holds {ns})"
		}
		b.Logf("master %s%s: %d commands (%.0f%%), %.2f s CPU (%.0f%%)", n.Addr, role, now[i].calls,
			100*float64(now[i].calls)/float64(total.calls), now[i].cpu, 100*now[i].cpu/total.cpu)
	}
}

// connsPerRun is the connections of one benchmark iteration.
const connsPerRun = 1500

func benchPipeline(b *testing.B, redisURL string, nodes int, cluster []*testredis.Node) {
	ctx := context.Background()
	steps := basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: 20 * time.Millisecond,
		Accounts: 20 * time.Millisecond, Transactions: 20 * time.Millisecond})
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Queues of the iteration's own: the fake's job ids repeat from one
		// fake to the next (seeded), and so would the poll task ids.
		queues := make([]string, 6)
		for i := range queues {
			queues[i] = testredis.Name(b, fmt.Sprintf("bench%d", i))
		}
		st := newStack(b, redisURL, queues, steps)
		st.env["WORKER_CONCURRENCY"], st.env["POLL_INITIAL_DELAY"], st.env["POLL_MAX_DELAY"] = "32", "50ms", "200ms"
		st.startWorker(nil)
		st.startWorker(nil)
		users := st.users(ctx, connsPerRun)
		before := make([]work, len(cluster))
		for i, n := range cluster {
			before[i] = nodeWork(b, n)
		}
		b.StartTimer()
		start := time.Now()
		ids := st.createAll(ctx, users)
		got := st.results(ctx, ids, 5*time.Minute, 0)
		took := time.Since(start)
		b.StopTimer()
		total += took
		if len(got) != len(ids) {
			b.Fatalf("%d results of %d", len(got), len(ids))
		}
		if len(cluster) > 1 {
			c := &testredis.Cluster{Nodes: cluster}
			m, err := c.MasterOf(ctx, "{"+st.ns+"}:x")
			if err != nil {
				b.Fatal(err)
			}
			logShares(b, cluster, before, m.Addr)
		}
		st.stopAll()
	}
	b.ReportMetric(float64(connsPerRun*b.N)/total.Seconds(), "conn/s")
	b.ReportMetric(float64(nodes), "masters")
}
