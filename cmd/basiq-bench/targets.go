package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Target is one of issue 14's targets, measured in one report.
type Target struct {
	Axis     string  `json:"axis"`
	Unit     string  `json:"unit"`
	Ours     float64 `json:"ours"`
	Blocking float64 `json:"blocking"`
	// Ratio is ours / blocking where the target is a ratio.
	Ratio float64 `json:"ratio,omitempty"`
	Goal  string  `json:"goal"`
	Met   bool    `json:"met"`
	// Note says how to read the row, when its figure cannot show the goal.
	Note string `json:"note,omitempty"`
}

// Ceiling is what bounds results/s: asynq's own no-op task rate against the
// asynq tasks ours needs per connection, and the CPU each process used.
type Ceiling struct {
	NoopTasksPerS   float64 `json:"noopTasksPerSecond"`
	NoopConcurrency int     `json:"noopConcurrency"`
	TasksPerJob     float64 `json:"asynqTasksPerConnection"`
	// AsynqBoundResultsPerS is NoopTasksPerS / TasksPerJob.
	AsynqBoundResultsPerS float64 `json:"asynqBoundResultsPerSecond"`
	// Cores used during ours: CPU seconds over the makespan, per process.
	WorkerCores float64 `json:"workerCores"`
	// OtherCores are the cores the machine's other processes kept busy
	// during ours (/proc/stat less the three).
	OtherCores float64 `json:"otherCores"`
	RedisCores float64 `json:"redisCores"`
	BenchCores float64 `json:"benchCores"`
	NProc      int     `json:"nproc"`
	// CPUBoundResultsPerS is NProc over the CPU all three spend per job
	// (WorkerMsPerJob + RedisMsPerJob + BenchMsPerJob).
	CPUBoundResultsPerS float64 `json:"cpuBoundResultsPerSecond"`
	WorkerMsPerJob      float64 `json:"workerCpuMsPerJob"`
	RedisMsPerJob       float64 `json:"redisCpuMsPerJob"`
	BenchMsPerJob       float64 `json:"benchCpuMsPerJob"`
	// JobBoundResultsPerS is N over the run's longest Basiq job: with all N
	// enqueued at once no makespan is shorter than that job, so N/makespan
	// cannot exceed it however fast the worker is.
	JobBoundResultsPerS float64 `json:"jobBoundResultsPerSecond"`
	LongestJobS         float64 `json:"longestJobSeconds"`
	// ResultsPerS is what ours achieved: N/makespan.
	ResultsPerS float64 `json:"resultsPerSecond"`
	SetBy       string  `json:"setBy"`
}

// baselineResultsPerS is issue 14's "today": 918 results/s at 3f59283.
const baselineResultsPerS = 918

// compare fills Ratio (blocking at the same concurrency, extrapolated), the
// targets against the best full-n blocking run, and the ceiling.
func (rep *Report) compare() {
	var ours, equal, best, noop *Run
	for _, r := range rep.Runs {
		switch {
		case r.Label == labelOurs || r.Label == "" && r.Mode == modeScheduled:
			ours = r
		case r.Label == labelBlockingEqual || r.Label == "" && r.Mode == modeBlocking:
			equal = r
		case strings.HasPrefix(r.Label, labelBlockingAt):
			if best == nil || r.MakespanS < best.MakespanS {
				best = r
			}
		case r.Mode == modeNoop:
			noop = r
		}
	}
	if ours != nil && equal != nil {
		if equal.N < ours.N {
			equal.ExtrapolatedN = ours.N
			equal.ExtrapolatedMakespanS = equal.MakespanS * float64(ours.N) / float64(equal.N)
		}
		c := &Compare{N: ours.N, ScheduledMakespanS: ours.MakespanS, BlockingMakespanS: equal.MakespanS}
		if equal.ExtrapolatedN > 0 {
			c.BlockingMakespanS, c.Extrapolated = equal.ExtrapolatedMakespanS, true
		}
		c.Ratio = c.BlockingMakespanS / c.ScheduledMakespanS
		rep.Ratio = c
	}
	if ours != nil && best != nil {
		rep.Targets = targets(ours, best)
	}
	if ours != nil {
		rep.Ceiling = ceiling(ours, noop, rep.Machine.NProc)
	}
}

func targets(o, b *Run) []Target {
	ratio := func(axis, unit string, ov, bv, goal float64) Target {
		t := Target{Axis: axis, Unit: unit, Ours: ov, Blocking: bv, Goal: fmt.Sprintf("<= %gx", goal)}
		if bv > 0 {
			t.Ratio = ov / bv
			t.Met = t.Ratio <= goal
		}
		return t
	}
	abs := func(axis, unit string, ov, bv float64, goal string, met bool) Target {
		t := Target{Axis: axis, Unit: unit, Ours: ov, Blocking: bv, Goal: goal, Met: met}
		if bv > 0 {
			t.Ratio = ov / bv
		}
		return t
	}
	p99 := o.Detection["all steps"].P99
	kept := o.RedisMemoryKBPerJob
	return []Target{
		ratio("makespan", "s", o.MakespanS, b.MakespanS, 0.8),
		abs("detection p99, all steps (burst)", "ms", p99, b.Detection["all steps"].P99, "<= 1000 ms", p99 <= 1000),
		ratio("polls/job (GET /jobs/{id})", "", o.PollsPerJob, b.PollsPerJob, 0.5),
		ratio("Redis commands/job", "", o.RedisCmdsPerJob, b.RedisCmdsPerJob, 1),
		ratio("worker peak RSS", "MB", o.PeakRSSMB, b.PeakRSSMB, 0.1),
		abs("Redis memory kept/job", "KB", kept, b.RedisMemoryKBPerJob, "<= 2 KB", o.RedisMemoryDeltaMB > -1 && kept <= 2),
		resultsRate(o, b),
	}
}

// resultsRate is the results/s target, with a note when the run's jobs
// are too long for its N to show it: N/makespan is at most N over the
// longest job.
func resultsRate(o, b *Run) Target {
	goal := 2 * baselineResultsPerS
	t := Target{Axis: "results/s", Ours: o.ResultsPerS, Blocking: b.ResultsPerS,
		Goal: fmt.Sprintf(">= %d (2x %d)", goal, baselineResultsPerS), Met: o.ResultsPerS >= float64(goal)}
	if b.ResultsPerS > 0 {
		t.Ratio = o.ResultsPerS / b.ResultsPerS
	}
	if o.JobBoundResultsPerS > 0 && o.JobBoundResultsPerS < float64(goal) {
		t.Note = fmt.Sprintf("it is n/makespan, and at n=%d no run can pass %.0f/s (n over the longest job, %.2f s), below the goal; "+
			"judge the goal by the ceiling below or by a run whose n over the job length is well above it (bench/run.sh inflight)",
			o.N, o.JobBoundResultsPerS, o.LongestJobS)
	}
	return t
}

func ceiling(o, noop *Run, nproc int) *Ceiling {
	c := &Ceiling{NProc: nproc}
	if o.MakespanS > 0 {
		c.WorkerCores, c.RedisCores, c.BenchCores = o.CPUSeconds/o.MakespanS, o.RedisCPUSeconds/o.MakespanS, o.BenchCPUSeconds/o.MakespanS
		if o.MachineCPUSeconds > 0 {
			c.OtherCores = max(0, (o.MachineCPUSeconds-o.CPUSeconds-o.RedisCPUSeconds-o.BenchCPUSeconds)/o.MakespanS)
		}
	}
	if perJob := (o.CPUSeconds + o.RedisCPUSeconds + o.BenchCPUSeconds) / float64(o.N); perJob > 0 {
		c.CPUBoundResultsPerS = float64(nproc) / perJob
	}
	n := float64(o.N)
	c.WorkerMsPerJob, c.RedisMsPerJob, c.BenchMsPerJob = 1000*o.CPUSeconds/n, 1000*o.RedisCPUSeconds/n, 1000*o.BenchCPUSeconds/n
	c.JobBoundResultsPerS, c.LongestJobS, c.ResultsPerS = o.JobBoundResultsPerS, o.LongestJobS, o.ResultsPerS
	if o.TasksProcessed > 0 {
		c.TasksPerJob = float64(o.TasksProcessed) / float64(o.N)
	}
	if noop != nil {
		c.NoopTasksPerS, c.NoopConcurrency = noop.ResultsPerS, noop.Concurrency
		if c.TasksPerJob > 0 {
			c.AsynqBoundResultsPerS = c.NoopTasksPerS / c.TasksPerJob
		}
	}
	used := c.WorkerCores + c.RedisCores + c.BenchCores
	switch {
	case c.OtherCores >= 0.25*float64(nproc) && used+c.OtherCores >= 0.85*float64(nproc):
		c.SetBy = fmt.Sprintf("the machine's other load: other processes kept %.2f of its %d cores busy while ours used %.2f "+
			"(worker %.2f, Redis %.2f, fake Basiq and bench %.2f); rerun on a quiet machine",
			c.OtherCores, nproc, used, c.WorkerCores, c.RedisCores, c.BenchCores)
	case c.JobBoundResultsPerS > 0 && c.ResultsPerS >= 0.6*c.JobBoundResultsPerS:
		c.SetBy = fmt.Sprintf("the jobs' own length: %.0f results/s is %.0f%% of n over the longest job (%.0f/s), %.2f of %d cores busy; "+
			"this n cannot show the capacity, which the CPU per job bounds at %.0f/s",
			c.ResultsPerS, 100*c.ResultsPerS/c.JobBoundResultsPerS, c.JobBoundResultsPerS, used, nproc, c.CPUBoundResultsPerS)
	case c.RedisCores >= 0.85:
		c.SetBy = fmt.Sprintf("Redis: one thread, %.2f cores busy", c.RedisCores)
	case used >= 0.85*float64(nproc):
		c.SetBy = fmt.Sprintf("the machine's %d cores: worker %.2f + Redis %.2f + fake Basiq and bench %.2f = %.2f cores busy",
			nproc, c.WorkerCores, c.RedisCores, c.BenchCores, used)
	case c.WorkerCores >= 0.85*float64(nproc)/2:
		c.SetBy = fmt.Sprintf("the worker's CPU: %.2f cores (of %d) while Redis used %.2f", c.WorkerCores, nproc, c.RedisCores)
	default:
		c.SetBy = fmt.Sprintf("not CPU: %.2f of %d cores busy; the jobs' own durations and the poll waits", used, nproc)
	}
	return c
}

func (rep *Report) targetsTable(w io.Writer) {
	var best string
	for _, r := range rep.Runs {
		if strings.HasPrefix(r.Label, labelBlockingAt) && (best == "" || r.MakespanS <= bestMakespan(rep)) {
			best = fmt.Sprintf("%s (n=%d)", r.Label, r.N)
		}
	}
	fmt.Fprintf(w, "targets of issue 14: ours against the best full-n blocking run, %s\n", best)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "axis\tours\tblocking\tratio\ttarget\tmet\t")
	for _, t := range rep.Targets {
		ratio := "-"
		if t.Ratio > 0 {
			ratio = fmt.Sprintf("%.3gx", t.Ratio)
		}
		met := "no"
		if t.Met {
			met = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", t.Axis, num(t.Ours, t.Unit), num(t.Blocking, t.Unit), ratio, t.Goal, met)
	}
	tw.Flush()
	for _, t := range rep.Targets {
		if t.Note != "" {
			fmt.Fprintf(w, "  %s: %s\n", t.Axis, t.Note)
		}
	}
}

func bestMakespan(rep *Report) float64 {
	m := 0.0
	for _, r := range rep.Runs {
		if strings.HasPrefix(r.Label, labelBlockingAt) && (m == 0 || r.MakespanS < m) {
			m = r.MakespanS
		}
	}
	return m
}

func num(v float64, unit string) string {
	s := fmt.Sprintf("%.3g", v)
	if v >= 1000 {
		s = fmt.Sprintf("%.0f", v)
	}
	if unit != "" {
		s += " " + unit
	}
	return s
}

func (c *Ceiling) table(w io.Writer) {
	fmt.Fprintf(w, "ceiling: %.0f results/s if CPU-bound (%d cores over the CPU per job: worker %.2f + Redis %.2f + fake Basiq and bench %.2f = %.2f ms)",
		c.CPUBoundResultsPerS, c.NProc, c.WorkerMsPerJob, c.RedisMsPerJob, c.BenchMsPerJob, c.WorkerMsPerJob+c.RedisMsPerJob+c.BenchMsPerJob)
	if c.AsynqBoundResultsPerS > 0 {
		fmt.Fprintf(w, "; asynq's no-op rate %.0f tasks/s at concurrency %d over %.2f asynq tasks/connection = %.0f results/s",
			c.NoopTasksPerS, c.NoopConcurrency, c.TasksPerJob, c.AsynqBoundResultsPerS)
	} else if c.TasksPerJob > 0 {
		fmt.Fprintf(w, "; %.2f asynq tasks/connection", c.TasksPerJob)
	}
	if c.JobBoundResultsPerS > 0 {
		fmt.Fprintf(w, "; n over the longest job (%.2f s) = %.0f results/s", c.LongestJobS, c.JobBoundResultsPerS)
	}
	fmt.Fprintf(w, "\n  set by %s\n", c.SetBy)
}
