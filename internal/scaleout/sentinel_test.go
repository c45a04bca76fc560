package scaleout

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

// TestSentinel_failover runs connection creates through redis-sentinel://
// on two worker processes, fails the master over as a planned switchover
// (CLIENT PAUSE WRITE, then SENTINEL FAILOVER) while they are enqueued and
// followed, and checks that every task gets exactly one result and Basiq
// one connection per task.
func TestSentinel_failover(t *testing.T) {
	t.Parallel()
	testFailover(t, sentinel(t, 0), false)
}

// TestSentinel_forcedFailover is TestSentinel_failover with a bare
// SENTINEL FAILOVER, the old master alive: go-redis writes to the old
// master for about a second after the promotion, and the old master
// discards those writes when it rejoins as a replica. With
// REDIS_WAIT_REPLICAS (auto: 1 on redis-sentinel://) no task is
// acknowledged, no create sent and no enqueue confirmed before its writes
// are on the replica, so none of them is lost (before: 22, 0 and 2 tasks
// of 80 without a result in three runs). It runs on a topology of its own,
// beside TestSentinel_failover.
func TestSentinel_forcedFailover(t *testing.T) {
	t.Parallel()
	testFailover(t, sentinel(t, 1), true)
}

func testFailover(t *testing.T, s *testredis.Sentinel, forced bool) {
	st := newStack(t, s.URL(), []string{testredis.Name(t, "qa"), testredis.Name(t, "qb")}, slowSteps)
	st.startWorker(nil)
	st.startWorker(nil)
	ctx := context.Background()
	users := st.users(ctx, 80)
	before, err := s.Master(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := probe(st.app, st.ns)
	wait := st.collect(ctx, len(users), 150*time.Second, time.Second)
	idsc := make(chan []string, 1)
	go func() { idsc <- st.createAll(ctx, users) }()
	time.Sleep(700 * time.Millisecond) // some done, some polling, some not yet enqueued
	start := time.Now()
	var after string
	if forced {
		after, err = s.Failover(ctx)
	} else {
		after, err = s.Switchover(ctx, 5*time.Second)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("failover (forced %v) %s -> %s: sentinels agreed and the old master synced after %v", forced, before, after, time.Since(start).Round(time.Millisecond))
	startRecoverer(st)
	ids := <-idsc
	got := wait()
	down, errs, sample := p.window()
	t.Logf("last result %v after the failover; %d results came more than 10s after it",
		st.lastSeen().Sub(start).Round(time.Millisecond), st.seenAfter(start.Add(10*time.Second)))
	t.Logf("writes through redis-sentinel:// failed for %v (%d probe errors, first: %q); %d enqueues retried; %d tasks run again for want of the replica",
		down.Round(time.Millisecond), errs, sample, st.enqueueErrors.Load(), strings.Count(st.logs(), "writes not on the replicas"))
	st.checkExactlyOnce(t, ids, got)
	logSummary(t, st.logs())
}
