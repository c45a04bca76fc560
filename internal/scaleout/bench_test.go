package scaleout

import (
	"context"
	"fmt"
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
// The ratio of the two conn/s figures is what the README reports.
func BenchmarkCluster(b *testing.B) {
	for _, masters := range []int{1, 3} {
		b.Run(fmt.Sprintf("masters=%d", masters), func(b *testing.B) {
			c, err := testredis.StartCluster(b.TempDir(), masters, 0)
			testredis.Need(b, err)
			defer c.Stop()
			benchPipeline(b, c.URL(), masters)
		})
	}
}

// BenchmarkSingle is BenchmarkCluster's load on one plain redis-server.
func BenchmarkSingle(b *testing.B) {
	s := testredis.StartServer(b)
	benchPipeline(b, "redis://"+s.Addr+"/0", 1)
}

// connsPerRun is the connections of one benchmark iteration.
const connsPerRun = 1500

func benchPipeline(b *testing.B, redisURL string, nodes int) {
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
		st.stopAll()
	}
	b.ReportMetric(float64(connsPerRun*b.N)/total.Seconds(), "conn/s")
	b.ReportMetric(float64(nodes), "masters")
}
