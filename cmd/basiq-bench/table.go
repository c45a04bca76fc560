package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// stepOrder is the order steps are printed in.
var stepOrder = []string{sdk.StepVerifyCredentials, sdk.StepRetrieveAccounts, sdk.StepRetrieveTransactions, "all steps"}

func (rep *Report) table(w io.Writer) {
	m := rep.Machine
	fmt.Fprintf(w, "basiq-bench  %s  commit %s  %s\n", rep.Date, m.GitCommit, m.Go)
	fmt.Fprintf(w, "machine: %d CPU (%s), %d MB; redis %s at %s; load average at start %s\n", m.NProc, m.CPU, m.MemoryMB, m.Redis, m.RedisURL, m.LoadAvg)
	fmt.Fprintf(w, "command: %s\n", rep.Command)
	if len(rep.Targets) > 0 {
		fmt.Fprintln(w)
		rep.targetsTable(w)
	}
	if rep.Ceiling != nil {
		rep.Ceiling.table(w)
	}
	for _, r := range rep.Runs {
		fmt.Fprintln(w)
		r.table(w)
	}
	if c := rep.Ratio; c != nil {
		ext := ""
		if c.Extrapolated {
			ext = " (blocking extrapolated linearly from its smaller run)"
		}
		fmt.Fprintf(w, "\nblocking at the same concurrency / ours, makespan at n=%d: %.1f s / %.1f s = %.1fx%s\n",
			c.N, c.BlockingMakespanS, c.ScheduledMakespanS, c.Ratio, ext)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "\n%s\n", s)
	}
	if len(rep.Sweep) > 0 {
		fmt.Fprintln(w)
		sweepTable(w, rep.Sweep)
	}
}

func (r *Run) table(w io.Writer) {
	if r.Mode == modeNoop {
		r.noopTable(w)
		return
	}
	how := "policy " + r.Policy
	switch r.FollowBehind {
	case "": // not ours
	case "0s":
		how += ", new work never waits for the looks"
	default:
		how += ", new work waits while looks run " + r.FollowBehind + " late"
	}
	switch r.Mode {
	case modeBlocking:
		how = "sleeping in the handler, GET every " + r.BlockEvery
	case modeNode:
		how = "waitForCredentials, then GET the job every " + r.BlockEvery + " until transactions, in a BullMQ worker"
	}
	label := r.Label
	if label == "" {
		label = r.Mode
	}
	conc := strconv.Itoa(r.Concurrency)
	if r.Dequeuers > 1 {
		conc += fmt.Sprintf(" (%d dequeuers)", r.Dequeuers)
	}
	fmt.Fprintf(w, "== %s: n=%d, %d process(es) x concurrency %s, %s; fake steps %s %s\n",
		label, r.N, r.WorkerProcs, conc, how, r.StepsConfig, r.spreadString())
	if r.Rate > 0 {
		fmt.Fprintf(w, "enqueued at %.0f/s\n", r.Rate)
	}
	if r.CreateLatency != "" {
		fmt.Fprintf(w, "fake Basiq's creates slowed by %s each (-create-latency)\n", r.CreateLatency)
	}
	fmt.Fprintf(w, "makespan %.2f s (enqueue %.2f s)  %.1f results/s", r.MakespanS, r.EnqueueS, r.ResultsPerS)
	if r.JobBoundResultsPerS > 0 {
		fmt.Fprintf(w, " (at most %.0f at this n: n over the longest job, %.2f s)", r.JobBoundResultsPerS, r.LongestJobS)
	}
	fmt.Fprintf(w, "  outcomes %v", r.Outcomes)
	if len(r.ErrorCodes) > 0 {
		fmt.Fprintf(w, "  error codes %v", r.ErrorCodes)
	}
	fmt.Fprintf(w, "\npeak in flight %d connections (enqueued, no result yet), %d Basiq jobs running at once", r.PeakInFlight, r.PeakBasiqJobs)
	if r.TasksProcessed > 0 {
		fmt.Fprintf(w, "; asynq tasks processed %d (%.2f per connection)", r.TasksProcessed, float64(r.TasksProcessed)/float64(r.N))
	}
	fmt.Fprintln(w)
	if r.Crash != nil {
		r.Crash.table(w)
	}
	if b := r.BullMQ; b != nil {
		fmt.Fprintf(w, "BullMQ: %d worker errors, %d jobs stalled", b.Errors, b.Stalled)
		if b.FirstError != "" {
			fmt.Fprintf(w, " (first: %s)", b.FirstError)
		}
		fmt.Fprintln(w)
	}
	if r.Throttle != nil {
		r.Throttle.table(w)
	}
	if r.ExtrapolatedN > 0 {
		fmt.Fprintf(w, "extrapolated to n=%d: makespan %.0f s\n", r.ExtrapolatedN, r.ExtrapolatedMakespanS)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "detection latency (ms)\tn\tp50\tp95\tp99\tmax\t")
	for _, k := range stepOrder {
		if p, ok := r.Detection[k]; ok {
			fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t\n", k, p.N, p.P50, p.P95, p.P99, p.Max)
		}
	}
	p := r.EnqueueToFirst
	fmt.Fprintf(tw, "enqueue -> first Basiq call\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t\n", p.N, p.P50, p.P95, p.P99, p.Max)
	tw.Flush()
	fmt.Fprintf(w, "basiq requests/job %.2f (polls/job %.2f; worker's count %.2f)  token requests %d  TCP connections to the fake %d\n",
		r.RequestsPerJob, r.PollsPerJob, r.ResultPollsPerJob, r.TokenRequests, r.FakeConnections)
	fmt.Fprintf(w, "  by route: %s\n", topCounts(r.Requests, r.N, 8))
	fmt.Fprintf(w, "redis commands/job %.1f (INFO commandstats delta, scripts' inner calls included)\n", r.RedisCmdsPerJob)
	fmt.Fprintf(w, "  top: %s\n", topCounts(r.RedisCmds, r.N, 8))
	switch {
	case r.RedisMemoryDeltaMB <= -1:
		fmt.Fprintf(w, "redis memory kept after the run: n/a (%+.2f MB: Redis freed an earlier run's keys meanwhile)\n", r.RedisMemoryDeltaMB)
	case r.RedisMemoryDeltaMB >= 1:
		fmt.Fprintf(w, "redis memory kept after the run: %.1f KB/job (retained tasks, results, records until they expire)\n", r.RedisMemoryKBPerJob)
	default:
		fmt.Fprintf(w, "redis memory kept after the run: %+.2f MB in all, too little to give per job\n", r.RedisMemoryDeltaMB)
	}
	if len(r.RedisKeptKBByKind) > 0 {
		fmt.Fprintf(w, "  by key, KB/job (MEMORY USAGE of up to %d keys of each kind): %s\n", keptSamples, keptString(r.RedisKeptKBByKind))
	}
	fmt.Fprintf(w, "redis memory at its peak during the run: +%.1f MB (%.1f KB per connection); open files at most: worker(s) %d, basiq-bench %d\n",
		r.RedisPeakMemoryDeltaMB, r.RedisPeakMemoryDeltaMB*1024/float64(r.N), r.PeakWorkerFDs, r.PeakBenchFDs)
	fmt.Fprintf(w, "worker: peak RSS %.1f MB, CPU %.2f s (%.2f ms/job, %.2f cores)", r.PeakRSSMB, r.CPUSeconds, 1000*r.CPUSeconds/float64(r.N), r.CPUSeconds/r.MakespanS)
	if len(r.Workers) > 1 {
		fmt.Fprintf(w, " (sum of %d processes; peak RSS of the largest)", len(r.Workers))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "other CPU during the run: redis-server %.2f s (%.2f cores), basiq-bench (fake Basiq, enqueuer, results reader) %.2f s (%.2f cores)",
		r.RedisCPUSeconds, r.RedisCPUSeconds/r.MakespanS, r.BenchCPUSeconds, r.BenchCPUSeconds/r.MakespanS)
	if r.MachineCPUSeconds > 0 {
		other := max(0, r.MachineCPUSeconds-r.CPUSeconds-r.RedisCPUSeconds-r.BenchCPUSeconds)
		fmt.Fprintf(w, ", the machine's other processes %.2f s (%.2f cores)", other, other/r.MakespanS)
	}
	fmt.Fprintln(w)
}

// topCounts formats the k largest counts as per-job figures.
func topCounts(m map[string]int, n, k int) string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	var parts []string
	for _, key := range keys[:min(k, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s %.2f", key, float64(m[key])/float64(n)))
	}
	return strings.Join(parts, ", ")
}

func sweepTable(w io.Writer, runs []*Run) {
	fmt.Fprintf(w, "sweep: n=%d per row\n", runs[0].N)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "fake steps\tspread\tpolicy (initial/factor/max/jitter)\tpolls/job\tp50 ms\tp95 ms\tp99 ms\tmax ms\tmakespan s\t")
	for _, r := range runs {
		p := r.Detection["all steps"]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t\n", r.StepsConfig, r.spreadString(), r.Policy, r.PollsPerJob, p.P50, p.P95, p.P99, p.Max, r.MakespanS)
	}
	tw.Flush()
}

// spreadString is the fake's spread of step durations: "±20%" or "log-normal σ 0.6".
func (r *Run) spreadString() string {
	if r.Spread == "lognormal" {
		return fmt.Sprintf("log-normal σ %g", r.Jitter)
	}
	return fmt.Sprintf("±%.0f%%", r.Jitter*100)
}
