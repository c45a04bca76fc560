package scaleout

import (
	"context"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

// TestSentinel_failover runs connection creates through redis-sentinel://
// on two worker processes, fails the master over (CLIENT PAUSE WRITE, then
// SENTINEL FAILOVER) while they are enqueued and followed, and checks that
// every task gets exactly one result and Basiq one connection per task.
//
// Without the pause, a forced failover loses the writes that reach the old
// master between the promotion and the clients' switch: a poll chain whose
// next poll was enqueued there, while asynq marked the current poll done on
// the new master, ends without a result (2 of 80 tasks in one run). README
// "Scaling out" has the details.
func TestSentinel_failover(t *testing.T) {
	t.Parallel()
	s := sentinel(t)
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
	after, err := s.Switchover(ctx, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("failover %s -> %s: sentinels agreed and the old master synced after %v", before, after, time.Since(start).Round(time.Millisecond))
	ids := <-idsc
	got := wait()
	down, errs, sample := p.window()
	t.Logf("last result %v after the failover; %d results came more than 10s after it",
		st.lastSeen().Sub(start).Round(time.Millisecond), st.seenAfter(start.Add(10*time.Second)))
	t.Logf("writes through redis-sentinel:// failed for %v (%d probe errors, first: %q); %d enqueues retried",
		down.Round(time.Millisecond), errs, sample, st.enqueueErrors.Load())
	st.checkExactlyOnce(t, ids, got)
	logSummary(t, st.logs())
}
