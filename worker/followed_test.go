package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// followerEnv is a testEnv on the real Redis whose handlers hand their
// chains to a real follower.
func followerEnv(t *testing.T, lease time.Duration) (*testEnv, *follower) {
	t.Helper()
	rdb := testredis.Client(t)
	ns := testredis.Namespace(t, "follow")
	testredis.CleanupNamespace(t, ns)
	e := newTestEnvOn(t, rdb, ns)
	f := newFollower(e.h, Config{Redis: rdb, Namespace: ns, Logger: zerolog.New(zerolog.NewTestWriter(t)),
		FollowConcurrency: 8, FollowLease: lease, FollowPeek: 50 * time.Millisecond})
	e.h.sched = f
	return e, f
}

// runFollower runs f until the test ends.
func runFollower(t *testing.T, f *follower) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func followedPoll(jobID string, due time.Duration) (pollPayload, time.Time) {
	p := startedPoll(nil)
	p.JobID = jobID
	return p, time.Now().Add(due)
}

// TestFollower_claimAndLease: a claim takes only due jobs, holds them for
// the lease (a second claim does not see them), gives them back when the
// lease ends, and a write-back with an ended lease is refused.
func TestFollower_claimAndLease(t *testing.T) {
	e, f := followerEnv(t, time.Second)
	ctx := t.Context()
	due, _ := followedPoll("j-due", 0)
	later, _ := followedPoll("j-later", 0)
	now := time.Now()
	if err := f.add(ctx, due, now.Add(-time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := f.add(ctx, later, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	again := due
	again.Looks = 99
	if err := f.add(ctx, again, now.Add(-time.Hour)); err != nil { // a re-run: followed already
		t.Fatal(err)
	}
	got, next, err := f.claim(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].member != "j-due" {
		t.Fatalf("claimed %+v, want j-due alone", got)
	}
	if p, err := decodeState(got[0].state); err != nil || p.Looks == 99 {
		t.Errorf("state %+v, %v: want the first one added", p, err)
	}
	if want := now.Add(time.Second); !next.Equal(want.Truncate(time.Millisecond)) {
		t.Errorf("next score %v, want the lease end %v", next, want)
	}
	if again, _, _ := f.claim(ctx, now.Add(500*time.Millisecond), 10); len(again) != 0 {
		t.Errorf("claimed %+v during the lease", again)
	}
	taken, _, err := f.claim(ctx, now.Add(1100*time.Millisecond), 10) // another process, once the lease ended
	if err != nil || len(taken) != 1 {
		t.Fatalf("claim after the lease: %+v, %v", taken, err)
	}
	f.write([]update{{member: "j-due", token: got[0].token}}) // the first process, too late: refused
	fl, err := ListFollowed(ctx, e.rdb, e.h.ns, 10)
	if err != nil || fl.Count != 2 {
		t.Fatalf("followed %+v, %v: want both still followed", fl, err)
	}
	p, _ := decodeState(taken[0].state)
	p.Looks = 7
	f.write([]update{{member: "j-due", token: taken[0].token, due: now.Add(time.Minute), state: mustJSON(p)}})
	fl, _ = ListFollowed(ctx, e.rdb, e.h.ns, 10)
	if len(fl.Jobs) != 2 || fl.Jobs[0].JobID != "j-due" || fl.Jobs[0].Looks != 7 || !fl.Jobs[0].Due.Equal(time.UnixMilli(dueScore(now.Add(time.Minute)))) {
		t.Errorf("followed %+v, want j-due rescheduled with its new state", fl.Jobs)
	}
	f.write([]update{{member: "j-due", token: taken[0].token}}) // its lease was replaced by the due time
	if fl, _ = ListFollowed(ctx, e.rdb, e.h.ns, 0); fl.Count != 2 {
		t.Errorf("count %d after a write with a spent lease, want 2", fl.Count)
	}
}

// TestFollower_followsToResult: a job handed to the follower is looked at
// when due, until it ends, then published once and no longer followed.
func TestFollower_followsToResult(t *testing.T) {
	e, f := followerEnv(t, 10*time.Second)
	running := job("j-1", sdk.StatusInProgress, sdk.StatusPending, sdk.StatusPending)
	e.basiq.jobs["j-1"] = []*sdk.Job{running, running, job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}
	e.basiq.accounts = []string{"a-1"}
	e.h.policy = PollPolicy{Initial: 20 * time.Millisecond, Factor: 1, Max: 20 * time.Millisecond}
	runFollower(t, f)
	p, due := followedPoll("j-1", 10*time.Millisecond)
	if err := e.h.schedulePoll(t.Context(), p, due); err != nil {
		t.Fatal(err)
	}
	r := waitResult(t, e, "tid")
	if r.Outcome != tasks.OutcomeCompleted || r.Polls != 3 || len(r.Accounts) != 1 {
		t.Errorf("result %+v, want completed after 3 polls", r)
	}
	waitUnfollowed(t, e)
	if n := e.basiq.count("job"); n != 3 {
		t.Errorf("looks = %d, want 3", n)
	}
}

// TestFollower_takesOverDeadProcess: the jobs a process claimed and never
// wrote back (it died) are looked at by another once their lease ends.
func TestFollower_takesOverDeadProcess(t *testing.T) {
	e, f := followerEnv(t, 300*time.Millisecond)
	e.basiq.jobs["j-1"] = []*sdk.Job{job("j-1", sdk.StatusSuccess, sdk.StatusSuccess, sdk.StatusSuccess)}
	p, due := followedPoll("j-1", 0)
	if err := f.add(t.Context(), p, due); err != nil {
		t.Fatal(err)
	}
	dead := newFollower(e.h, Config{Redis: e.rdb, Namespace: e.h.ns, FollowConcurrency: 1, FollowLease: 300 * time.Millisecond})
	claimedAt := time.Now()
	if got, _, err := dead.claim(t.Context(), claimedAt, 10); err != nil || len(got) != 1 {
		t.Fatalf("claim: %+v, %v", got, err)
	}
	runFollower(t, f)
	waitResult(t, e, "tid")
	if took := time.Since(claimedAt); took < 300*time.Millisecond {
		t.Errorf("looked at %v after the dead process's claim, before its lease ended", took)
	}
	waitUnfollowed(t, e)
}

// TestFollower_retries: a failed look is retried by the follower after the
// policy's delay, counted in the state, and the last one is final.
func TestFollower_retries(t *testing.T) {
	e, f := followerEnv(t, 10*time.Second)
	e.basiq.jobErr = &sdk.Error{StatusCode: 502}
	e.h.policy = PollPolicy{Initial: 10 * time.Millisecond, Factor: 1, Max: 10 * time.Millisecond}
	e.h.pollRetry = 2
	runFollower(t, f)
	p, due := followedPoll("j-1", 0)
	if err := e.h.schedulePoll(t.Context(), p, due); err != nil {
		t.Fatal(err)
	}
	r := waitResult(t, e, "tid")
	if r.Outcome != tasks.OutcomeFailed || r.Error == nil || r.Error.Code != "http-502" {
		t.Errorf("result %+v, want failed http-502", r)
	}
	if n := e.basiq.count("job"); n != 3 {
		t.Errorf("looks = %d, want 3 (the first and 2 retries)", n)
	}
	waitUnfollowed(t, e)
}

// TestAdopt_pollTaskOfEarlierVersion: a job:poll task still in a queue
// after an upgrade hands its chain to the follower, due now.
func TestAdopt_pollTaskOfEarlierVersion(t *testing.T) {
	e, _ := followerEnv(t, 10*time.Second)
	p, _ := followedPoll("j-1", 0)
	p.N, p.Looks = 4, 3
	b, _ := json.Marshal(p)
	if err := e.h.adopt(e.ctx(p.pollID(), 0, false), asynq.NewTask(wire.TypePollJob, b)); err != nil {
		t.Fatal(err)
	}
	fl, err := ListFollowed(t.Context(), e.rdb, e.h.ns, 10)
	if err != nil || fl.Count != 1 || fl.Jobs[0].JobID != "j-1" || fl.Jobs[0].Looks != 3 || fl.Jobs[0].Due.After(time.Now()) {
		t.Fatalf("followed %+v, %v; want j-1 with its state, due now", fl, err)
	}
}

func waitResult(t *testing.T, e *testEnv, taskID string) *tasks.Result {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if r := e.result(t, taskID); r != nil {
			return r
		}
	}
	t.Fatalf("no result for %s", taskID)
	return nil
}

func waitUnfollowed(t *testing.T, e *testEnv) {
	t.Helper()
	var fl Followed
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		var err error
		if fl, err = ListFollowed(t.Context(), e.rdb, e.h.ns, 10); err == nil && fl.Count == 0 {
			n, _ := e.rdb.HLen(t.Context(), keys.FollowedState(e.h.ns)).Result()
			if n != 0 {
				t.Errorf("%d states left", n)
			}
			return
		}
	}
	t.Errorf("still followed: %+v", fl)
}

// TestFollower_backlog: more jobs due than free slots are all looked at
// at once, one claim after another, though the looks' next due times
// (an hour away) are what the follower knows of its own: it does not
// sleep on them (nor until the next peek) while jobs are due.
func TestFollower_backlog(t *testing.T) {
	e, f := followerEnv(t, 10*time.Second)
	f.peek = time.Minute
	f.slots = make(chan struct{}, 2)
	e.h.policy = PollPolicy{Initial: time.Hour, Factor: 1, Max: time.Hour}
	running := job("j", sdk.StatusInProgress, sdk.StatusPending, sdk.StatusPending)
	for i := range 8 {
		id := "j-" + string(rune('a'+i))
		e.basiq.jobs[id] = []*sdk.Job{running}
		p, due := followedPoll(id, 0)
		if err := f.add(t.Context(), p, due); err != nil {
			t.Fatal(err)
		}
	}
	runFollower(t, f)
	for end := time.Now().Add(20 * time.Second); e.basiq.count("job") < 8; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%d of 8 due jobs looked at in 20 s (the peek is a minute)", e.basiq.count("job"))
		}
	}
}

// TestDueScore: a due time's score rounds up to the millisecond, so that a
// claim at now's millisecond never takes a job due later within it.
func TestDueScore(t *testing.T) {
	base := time.UnixMilli(1_764_000_000_123)
	mono := time.Now().Truncate(time.Millisecond) // Truncate drops the monotonic reading; Round(0) too
	for _, tc := range []struct {
		name string
		at   time.Time
		want int64
	}{
		{"on the millisecond", base, 1_764_000_000_123},
		{"1 ns after", base.Add(time.Nanosecond), 1_764_000_000_124},
		{"999,999 ns after", base.Add(999_999 * time.Nanosecond), 1_764_000_000_124},
		{"a wall-clock instant on the millisecond", mono, mono.UnixMilli()},
	} {
		if got := dueScore(tc.at); got != tc.want {
			t.Errorf("%s: dueScore = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestFollower_admit: a claim measures how late the follower is (its
// earliest claimed job's due time); while that is over FollowBehind and
// recent, a task that starts new work waits (a create does not call
// Basiq), at most hold; a claim that finds nothing due, a stale
// measurement or FollowBehind 0 let it through.
func TestFollower_admit(t *testing.T) {
	e, f := followerEnv(t, time.Minute)
	f.behind, f.hold = 100*time.Millisecond, 5*time.Second
	ctx := t.Context()
	now := time.Now()
	for i, late := range []time.Duration{500 * time.Millisecond, 200 * time.Millisecond} {
		p, _ := followedPoll(fmt.Sprintf("j-late-%d", i), 0)
		if err := f.add(ctx, p, now.Add(-late)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.claim(ctx, now, 10); err != nil {
		t.Fatal(err)
	}
	if lag := time.Duration(f.lag.Load()); lag < 499*time.Millisecond || lag > 501*time.Millisecond {
		t.Errorf("lag = %v, want the earliest claimed job's 500ms", lag)
	}
	if !f.lagging() {
		t.Fatal("not lagging after a claim 500ms late")
	}

	e.basiq.create = func(string, sdk.Credentials) (*sdk.Job, error) { return job("j-new", sdk.StatusInProgress), nil }
	done := make(chan error, 1)
	go func() {
		done <- e.h.CreateConnection(e.ctx("connection:create:held", 0, false), createTask(t, e.kr, "u-1"))
	}()
	keepLagging := time.NewTicker(20 * time.Millisecond) // the follower still behind: fresh claims, as late
	for range 10 {
		<-keepLagging.C
		f.lagAt.Store(time.Now().UnixNano())
	}
	keepLagging.Stop()
	if n := e.basiq.count("create"); n != 0 {
		t.Fatalf("creates while the follower is behind = %d, want 0", n)
	}
	if _, _, err := f.claim(ctx, time.Now(), 10); err != nil { // nothing due now: caught up
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("create still held after the follower caught up")
	}
	if n := e.basiq.count("create"); n != 1 {
		t.Errorf("creates = %d, want 1", n)
	}

	for _, tc := range []struct {
		name                    string
		behind, hold            time.Duration
		lagAt                   time.Time
		wantAtLeast, wantAtMost time.Duration
	}{
		{"held at most hold", 100 * time.Millisecond, 150 * time.Millisecond, time.Now().Add(time.Hour), 150 * time.Millisecond, 2 * time.Second},
		{"a stale lag is ignored", 100 * time.Millisecond, 5 * time.Second, time.Now().Add(-time.Second), 0, time.Second},
		{"FollowBehind 0: never held", 0, 5 * time.Second, time.Now().Add(time.Hour), 0, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.behind, f.hold = tc.behind, tc.hold
			f.lag.Store(int64(time.Second))
			f.lagAt.Store(tc.lagAt.UnixNano())
			start := time.Now()
			f.admit(ctx)
			if took := time.Since(start); took < tc.wantAtLeast || took > tc.wantAtMost {
				t.Errorf("admit took %v, want %v to %v", took, tc.wantAtLeast, tc.wantAtMost)
			}
		})
	}
}
