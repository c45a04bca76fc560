package main

import (
	"strings"
	"testing"
)

// TestResultsRate: the results/s row says when its n cannot show the goal
// (n over the longest job below it), and the ceiling names the jobs' length
// when the run came near that bound.
func TestResultsRate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n          int
		longest    float64 // s
		makespan   float64 // s
		wantNote   bool
		wantSetBy  string
		wantMetOur bool
		machine    float64 // CPU s of the whole machine during the run
	}{
		{name: "10,000 jobs of 7 s: bound 1,429/s", n: 10000, longest: 7, makespan: 10, wantNote: true, wantSetBy: "the jobs' own length"},
		{name: "100,000 jobs of 7 s, CPU-bound", n: 100000, longest: 7, makespan: 200, wantSetBy: "not CPU"},
		{name: "100,000 jobs of 7 s at the goal", n: 100000, longest: 7, makespan: 50, wantSetBy: "not CPU", wantMetOur: true},
		{name: "10,000 jobs on a machine busy with others", n: 10000, longest: 7, makespan: 60, machine: 110, wantNote: true,
			wantSetBy: "the machine's other load"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &Run{N: tc.n, MakespanS: tc.makespan, ResultsPerS: float64(tc.n) / tc.makespan, LongestJobS: tc.longest,
				JobBoundResultsPerS: float64(tc.n) / tc.longest, CPUSeconds: 1, RedisCPUSeconds: 1, BenchCPUSeconds: 1,
				MachineCPUSeconds: tc.machine}
			b := &Run{N: tc.n, MakespanS: tc.makespan, ResultsPerS: float64(tc.n) / tc.makespan}
			tg := resultsRate(o, b)
			if got := tg.Note != ""; got != tc.wantNote {
				t.Errorf("note %q, want one: %v", tg.Note, tc.wantNote)
			}
			if tg.Met != tc.wantMetOur {
				t.Errorf("met = %v, want %v (%.0f results/s)", tg.Met, tc.wantMetOur, o.ResultsPerS)
			}
			c := ceiling(o, nil, 2)
			if !strings.HasPrefix(c.SetBy, tc.wantSetBy) {
				t.Errorf("set by %q, want it to start %q", c.SetBy, tc.wantSetBy)
			}
			if c.JobBoundResultsPerS != o.JobBoundResultsPerS || c.WorkerMsPerJob <= 0 {
				t.Errorf("ceiling %+v: want the job bound %v and the CPU per job", c, o.JobBoundResultsPerS)
			}
		})
	}
}
