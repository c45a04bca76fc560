package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// TestMain lets the test binary serve as the worker child and the run
// process (-one-run) the benchmark starts.
func TestMain(m *testing.M) {
	if slices.Contains(os.Args, "-worker-child") || slices.Contains(os.Args, "-one-run") {
		if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// counter matches asynq's processed and failed counters of a queue, which
// asynq has no API to delete.
var counter = regexp.MustCompile(`^asynq:\{bench-[0-9a-f]+\}:(processed|failed)(:\d{4}-\d{2}-\d{2})?$`)

// runKeys returns the keys of the runs' own queues and namespaces: only
// theirs, for another process may be running this package's tests on the
// same Redis (two checkouts' make test at once), and its keys are not ours
// to judge or delete. Scanning every bench-* key was what made
// TestRun_both report the API load test's idempotency keys and another
// run's poll: tasks as left by this run.
func runKeys(t *testing.T, runs []*Run) []string {
	t.Helper()
	rdb := testredis.Client(t)
	var keys []string
	for _, r := range runs {
		if r.ID == "" {
			t.Fatalf("%s: run without an id", r.Label)
		}
		for _, pattern := range []string{"asynq:{" + r.ID + "}*", "{" + r.ID + "}*"} {
			iter := rdb.Scan(context.Background(), 0, pattern, 1000).Iterator()
			for iter.Next(context.Background()) {
				keys = append(keys, iter.Val())
			}
			if err := iter.Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return keys
}

// checkClean fails on any key the runs left but asynq's counters, and
// deletes the counters.
func checkClean(t *testing.T, runs []*Run) {
	t.Helper()
	for _, k := range runKeys(t, runs) {
		if !counter.MatchString(k) {
			t.Errorf("the run left key %s in Redis", k)
		}
		testredis.Client(t).Del(context.Background(), k)
	}
}

// redisURL is the test Redis (see internal/testredis): skipped without one.
func redisURL(t *testing.T) string {
	t.Helper()
	testredis.Client(t)
	return "redis://" + testredis.Addr() + "/0"
}

// fastJobs are fake jobs of 3 x 100 ms, polled by the baselines every 50 ms.
var fastJobs = []string{"-step-credentials", "100ms", "-step-accounts", "100ms", "-step-transactions", "100ms",
	"-jitter", "0", "-blocking-interval", "50ms", "-timeout", "45s", "-progress=false"}

func runJSON(t *testing.T, args ...string) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	args = append(append([]string{"basiq-bench", "-json", "-redis-url", redisURL(t)}, fastJobs...), args...)
	err := run(ctx, args, os.Getenv, &out, &errOut)
	var rep Report
	if err == nil {
		err = json.Unmarshal(out.Bytes(), &rep)
	}
	if err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, errOut.String())
	}
	checkClean(t, rep.Runs)
	return &rep
}

// TestRun_both runs every run of -mode both at n=20: ours, blocking at the
// same concurrency (10 jobs, extrapolated), blocking at concurrency n,
// asynq's no-op yardstick; then the targets and the ceiling.
func TestRun_both(t *testing.T) {
	const n = 20
	rep := runJSON(t, "-n", "20", "-mode", "both", "-blocking-n", "10")
	want := map[string]int{labelOurs: n, labelBlockingEqual: 10, labelBlockingAt + " 20": n, labelNoop: n}
	if len(rep.Runs) != len(want) {
		t.Fatalf("got %d runs, want %d", len(rep.Runs), len(want))
	}
	for _, r := range rep.Runs {
		w, ok := want[r.Label]
		if !ok {
			t.Errorf("unexpected run %q", r.Label)
			continue
		}
		if r.Mode == modeNoop {
			if r.N != n || r.ResultsPerS <= 0 || r.RedisCmdsPerJob <= 0 {
				t.Errorf("%s: n %d, %v tasks/s, %v redis commands/task", r.Label, r.N, r.ResultsPerS, r.RedisCmdsPerJob)
			}
			continue
		}
		if got := r.Outcomes["completed"]; got != w {
			t.Errorf("%s: got %d completed, want %d (outcomes %v)", r.Label, got, w, r.Outcomes)
		}
		if got := r.Requests["POST /users/{uid}/connections"]; got != w {
			t.Errorf("%s: got %d connection creates, want %d", r.Label, got, w)
		}
		if got := r.Detection["all steps"].N; got != 3*w {
			t.Errorf("%s: got %d step detections, want %d", r.Label, got, 3*w)
		}
		if r.TokenRequests != 1 {
			t.Errorf("%s: got %d token requests, want 1", r.Label, r.TokenRequests)
		}
		if r.PollsPerJob < 1 || r.PollsPerJob != r.ResultPollsPerJob {
			t.Errorf("%s: polls/job %v (server) vs %v (results): want >= 1 and equal", r.Label, r.PollsPerJob, r.ResultPollsPerJob)
		}
		if r.MakespanS <= 0 || r.PeakRSSMB <= 0 || r.RedisCmdsPerJob <= 0 || r.PeakInFlight <= 0 || r.PeakInFlight > w {
			t.Errorf("%s: makespan %v s, peak RSS %v MB, redis cmds/job %v, peak in flight %d: want > 0 (and <= %d)",
				r.Label, r.MakespanS, r.PeakRSSMB, r.RedisCmdsPerJob, r.PeakInFlight, w)
		}
		if r.TasksProcessed < w {
			t.Errorf("%s: %d asynq tasks processed, want >= %d", r.Label, r.TasksProcessed, w)
		}
	}
	if rep.Ratio == nil || !rep.Ratio.Extrapolated || rep.Ratio.Ratio <= 0 {
		t.Errorf("comparison = %+v, want an extrapolated ratio", rep.Ratio)
	}
	if len(rep.Targets) != 7 {
		t.Errorf("got %d targets, want 7: %+v", len(rep.Targets), rep.Targets)
	}
	for _, tg := range rep.Targets {
		if tg.Ours <= 0 && tg.Axis != "Redis memory kept/job" {
			t.Errorf("target %s: ours = %v", tg.Axis, tg.Ours)
		}
	}
	if c := rep.Ceiling; c == nil || c.NoopTasksPerS <= 0 || c.TasksPerJob < 1 || c.AsynqBoundResultsPerS <= 0 || c.SetBy == "" ||
		c.WorkerMsPerJob <= 0 || c.LongestJobS <= 0 || c.JobBoundResultsPerS <= 0 || c.ResultsPerS > c.JobBoundResultsPerS {
		t.Errorf("ceiling = %+v", rep.Ceiling)
	}
}

// TestRun_nodePeer runs Basiq's Node SDK in BullMQ against the fake: every
// job through create, waitForCredentials, the polls and the transactions.
// It needs node and npm (and the npm registry the first time): skipped,
// saying why, without them.
func TestRun_nodePeer(t *testing.T) {
	if err := ensureNodePeer(context.Background(), defaultNodeDir(os.Getenv), io.Discard); errors.Is(err, errSkipped) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	const n = 10
	rep := runJSON(t, "-n", "10", "-mode", "scheduled", "-peer", "node")
	r := rep.Runs[len(rep.Runs)-1]
	if r.Mode != modeNode || r.Outcomes["completed"] != n {
		t.Fatalf("node run: mode %s, outcomes %v, errors %v", r.Mode, r.Outcomes, r.ErrorCodes)
	}
	for route, want := range map[string]int{"POST /users/{uid}/connections": n, "GET /users/{uid}/connections/{cid}": n, "GET /users/{uid}/transactions": n} {
		if got := r.Requests[route]; got != want {
			t.Errorf("%s: %d, want %d", route, got, want)
		}
	}
	if got := r.Detection["all steps"].N; got != 3*n {
		t.Errorf("got %d step detections, want %d", got, 3*n)
	}
	if r.BullMQ == nil {
		t.Error("no BullMQ figures: the peer's done line was not read")
	}
	if r.PollsPerJob < 2 || r.PollsPerJob != r.ResultPollsPerJob || r.PeakRSSMB <= 0 || r.CPUSeconds <= 0 {
		t.Errorf("polls/job %v (server) vs %v (shim), RSS %v MB, CPU %v s", r.PollsPerJob, r.ResultPollsPerJob, r.PeakRSSMB, r.CPUSeconds)
	}
}

func TestParsePolicies(t *testing.T) {
	ps, err := parsePolicies(defaultSweep)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if got, err := parsePolicies(policyString(p)); err != nil || got[0] != p {
			t.Errorf("round trip of %v: got %v, %v", p, got, err)
		}
	}
	if _, err := parsePolicies("1s/2/3s"); err == nil {
		t.Error("parsePolicies(1s/2/3s): want an error")
	}
}

func TestParseSteps(t *testing.T) {
	o := options{steps: basiqtest.StepDurations{Credentials: time.Second, Accounts: 2 * time.Second, Transactions: 3 * time.Second}, jitter: 0.2, spread: "uniform"}
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"", []string{"1s/2s/3s:u0.2"}, false},
		{"3s/8s/15s:u0.4, 8.2s/3.8s/7.1s:ln0.6", []string{"3s/8s/15s:u0.4", "8.2s/3.8s/7.1s:ln0.6"}, false},
		{"1s/1s/1s", []string{"1s/1s/1s:u0.2"}, false},
		{"1s/2s", nil, true},
		{"1s/2s/x", nil, true},
		{"1s/2s/3s:q1", nil, true},
		{"1s/2s/3s:u1.5", nil, true},
	} {
		got, err := parseSteps(tc.in, o)
		if (err != nil) != tc.err {
			t.Errorf("parseSteps(%q): err %v, want error %v", tc.in, err, tc.err)
			continue
		}
		var s []string
		for _, c := range got {
			s = append(s, c.String())
		}
		if !slices.Equal(s, tc.want) {
			t.Errorf("parseSteps(%q) = %v, want %v", tc.in, s, tc.want)
		}
	}
}

func TestBlockingConcurrencies(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		err  bool
	}{{"n", []int{500}, false}, {"100, n", []int{100, 500}, false}, {"", nil, false}, {"0", nil, false}, {"x", nil, true}, {"-3", nil, true}} {
		got, err := blockingConcurrencies(options{n: 500, blockingConc: tc.in})
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("blockingConcurrencies(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestPeakInFlight(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	enq := map[string]time.Time{"a": at(0), "b": at(10), "c": at(20), "d": at(50)}
	seen := map[string]time.Time{"a": at(30), "b": at(50), "c": at(40), "d": at(60)}
	// a, b, c in flight at 20-30; d enqueued at 50 as b's result comes: 1.
	if got := peakInFlight(enq, seen); got != 3 {
		t.Errorf("peakInFlight = %d, want 3", got)
	}
}

func TestTargets(t *testing.T) {
	ours := &Run{MakespanS: 8, PollsPerJob: 2, RedisCmdsPerJob: 30, PeakRSSMB: 30, RedisMemoryKBPerJob: 1.5, RedisMemoryDeltaMB: 15, ResultsPerS: 2000,
		Detection: map[string]Pct{"all steps": {P99: 900}}}
	blocking := &Run{MakespanS: 10, PollsPerJob: 6, RedisCmdsPerJob: 26, PeakRSSMB: 600, ResultsPerS: 1000, Detection: map[string]Pct{"all steps": {P99: 2300}}}
	met := map[string]bool{}
	for _, tg := range targets(ours, blocking) {
		met[tg.Axis] = tg.Met
	}
	want := map[string]bool{"makespan": true, "detection p99, all steps (burst)": true, "polls/job (GET /jobs/{id})": true,
		"Redis commands/job": false, "worker peak RSS": true, "Redis memory kept/job": true, "results/s": true}
	if !maps.Equal(met, want) {
		t.Errorf("met = %v, want %v", met, want)
	}
}
