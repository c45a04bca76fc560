package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

// TestMain lets the test binary serve as the worker child the benchmark starts.
func TestMain(m *testing.M) {
	if slices.Contains(os.Args, "-worker-child") {
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

// benchKeys returns the keys of every bench run's queue and namespace.
func benchKeys(t *testing.T) map[string]bool {
	t.Helper()
	rdb := testredis.Client(t)
	keys := map[string]bool{}
	for _, pattern := range []string{"asynq:{bench-*", "{bench-*"} {
		iter := rdb.Scan(context.Background(), 0, pattern, 1000).Iterator()
		for iter.Next(context.Background()) {
			keys[iter.Val()] = true
		}
		if err := iter.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// redisURL is the test Redis (see internal/testredis): skipped without one.
func redisURL(t *testing.T) string {
	t.Helper()
	testredis.Client(t)
	return "redis://" + testredis.Addr() + "/0"
}

func TestRun_both(t *testing.T) {
	url := redisURL(t)
	const n = 20
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	args := []string{"basiq-bench", "-n", "20", "-mode", "both", "-json", "-redis-url", url,
		"-step-credentials", "100ms", "-step-accounts", "100ms", "-step-transactions", "100ms",
		"-jitter", "0", "-blocking-interval", "50ms", "-blocking-n", "10", "-timeout", "45s"}
	before := benchKeys(t)
	if err := run(ctx, args, os.Getenv, &out, &errOut); err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, errOut.String())
	}
	for k := range benchKeys(t) {
		if before[k] {
			continue
		}
		if !counter.MatchString(k) {
			t.Errorf("the run left key %s in Redis", k)
		}
		testredis.Client(t).Del(context.Background(), k) // the test's own cleanup of what the bench may leave
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("decode report: %v\n%s", err, out.String())
	}
	if got := len(rep.Runs); got != 2 {
		t.Fatalf("got %d runs, want 2", got)
	}
	for _, r := range rep.Runs {
		want := n
		if r.Mode == modeBlocking {
			want = 10
		}
		if got := r.Outcomes["completed"]; got != want {
			t.Errorf("%s: got %d completed, want %d (outcomes %v)", r.Mode, got, want, r.Outcomes)
		}
		if got := r.Requests["POST /users/{uid}/connections"]; got != want {
			t.Errorf("%s: got %d connection creates, want %d", r.Mode, got, want)
		}
		if got := r.Detection["all steps"].N; got != 3*want {
			t.Errorf("%s: got %d step detections, want %d", r.Mode, got, 3*want)
		}
		if r.TokenRequests != 1 {
			t.Errorf("%s: got %d token requests, want 1", r.Mode, r.TokenRequests)
		}
		if r.PollsPerJob < 1 || r.PollsPerJob != r.ResultPollsPerJob {
			t.Errorf("%s: polls/job %v (server) vs %v (results): want >= 1 and equal", r.Mode, r.PollsPerJob, r.ResultPollsPerJob)
		}
		if r.MakespanS <= 0 || r.PeakRSSMB <= 0 || r.RedisCmdsPerJob <= 0 {
			t.Errorf("%s: makespan %v s, peak RSS %v MB, redis cmds/job %v: want > 0", r.Mode, r.MakespanS, r.PeakRSSMB, r.RedisCmdsPerJob)
		}
	}
	if rep.Ratio == nil || !rep.Ratio.Extrapolated || rep.Ratio.Ratio <= 0 {
		t.Errorf("comparison = %+v, want an extrapolated ratio", rep.Ratio)
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
