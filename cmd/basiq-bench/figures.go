package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

func pct(ds []time.Duration) Pct {
	if len(ds) == 0 {
		return Pct{}
	}
	slices.Sort(ds)
	at := func(q float64) float64 {
		i := int(q*float64(len(ds))+0.999999) - 1 // nearest rank
		return ms(ds[max(0, min(i, len(ds)-1))])
	}
	return Pct{N: len(ds), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(ds[len(ds)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// fill computes the figures of a finished run.
func (r *Run) fill(e *env, start time.Time, enq map[string]time.Time, col *collector, st basiqtest.Stats, cmds map[string]int64) {
	r.describe(e.o)
	r.MakespanS = col.last.Sub(start).Seconds()
	var lastEnq time.Time
	for _, t := range enq {
		if t.After(lastEnq) {
			lastEnq = t
		}
	}
	r.EnqueueS = lastEnq.Sub(start).Seconds()
	r.ResultsPerS = float64(r.N) / r.MakespanS
	r.latencies(enq, col, st)
	r.PeakInFlight = peakInFlight(enq, col.seenAt)
	r.PeakBasiqJobs = peakBasiqJobs(st)
	r.costs(st, cmds)
	for _, w := range r.Workers {
		r.PeakRSSMB = max(r.PeakRSSMB, w.PeakRSSMB)
		r.CPUSeconds += w.CPUSeconds
	}
}

// describe records the settings of the run.
func (r *Run) describe(o options) {
	r.WorkerProcs, r.Concurrency = o.workers, o.concurrency
	if r.Mode == modeScheduled {
		r.Policy, r.Dequeuers = policyString(o.policy), min(o.dequeuers, o.concurrency)
		r.FollowBehind = max(o.followBehind, 0).String()
	} else {
		r.BlockEvery = o.blockInterval.String()
	}
	if r.Mode == modeNode {
		r.Concurrency = nodeConcurrency(o)
	}
	r.StepsConfig = fmt.Sprintf("%s/%s/%s", o.steps.Credentials, o.steps.Accounts, o.steps.Transactions)
	r.Jitter, r.Rate, r.Spread = o.jitter, o.rate, o.spread
	if o.faults.createLatency > 0 {
		r.CreateLatency = o.faults.createLatency.String()
	}
}

// latencies computes outcomes, step detection latencies and enqueue-to-first-call times:
// server times (job Created, StepFinished) against the enqueue and observation times.
func (r *Run) latencies(enq map[string]time.Time, col *collector, st basiqtest.Stats) {
	r.Outcomes = map[string]int{}
	det := map[string][]time.Duration{}
	var first []time.Duration
	var longest time.Duration
	polls := 0
	for id, res := range col.results {
		r.Outcomes[string(res.Outcome)]++
		if res.Error != nil {
			if r.ErrorCodes == nil {
				r.ErrorCodes = map[string]int{}
			}
			r.ErrorCodes[string(res.Error.Code)]++
		}
		polls += res.Polls
		js, ok := st.Jobs[res.JobID]
		if !ok {
			continue
		}
		if at, ok := enq[id]; ok {
			first = append(first, js.Created.Sub(at))
		}
		for _, fin := range js.StepFinished {
			longest = max(longest, fin.Sub(js.Created))
		}
		for _, s := range res.Steps {
			fin, ok := js.StepFinished[s.Title]
			if ok && (s.Status == sdk.StatusSuccess || s.Status == sdk.StatusFailed) {
				d := s.ObservedAt.Sub(fin)
				det[s.Title] = append(det[s.Title], d)
				det["all steps"] = append(det["all steps"], d)
			}
		}
	}
	r.Detection = map[string]Pct{}
	for k, v := range det {
		r.Detection[k] = pct(v)
	}
	r.EnqueueToFirst = pct(first)
	r.ResultPollsPerJob = float64(polls) / float64(r.N)
	if longest > 0 {
		r.LongestJobS = longest.Seconds()
		r.JobBoundResultsPerS = float64(r.N) / r.LongestJobS
	}
}

// costs computes Basiq requests by route and Redis commands per job.
func (r *Run) costs(st basiqtest.Stats, cmds map[string]int64) {
	r.Requests = map[string]int{}
	total := 0
	for route, byStatus := range st.Requests {
		for _, c := range byStatus {
			r.Requests[route] += c
			total += c
		}
	}
	r.PollsPerJob = float64(r.Requests["GET /jobs/{id}"]) / float64(r.N)
	r.RequestsPerJob = float64(total) / float64(r.N)
	r.TokenRequests = st.TokensIssued
	r.RedisCmds = map[string]int{}
	var cmdTotal int64
	for k, v := range cmds {
		r.RedisCmds[k] = int(v)
		cmdTotal += v
	}
	r.RedisCmdsPerJob = float64(cmdTotal) / float64(r.N)
}

// peakInFlight is the most tasks enqueued and without a result at once.
func peakInFlight(enq, seen map[string]time.Time) int {
	type ev struct {
		at time.Time
		d  int
	}
	evs := make([]ev, 0, len(enq)+len(seen))
	for id, t := range enq {
		evs = append(evs, ev{t, 1})
		if s, ok := seen[id]; ok {
			evs = append(evs, ev{s, -1})
		}
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.d - b.d // a result before an enqueue at the same instant
	})
	cur, peak := 0, 0
	for _, e := range evs {
		cur += e.d
		peak = max(peak, cur)
	}
	return peak
}

// peakBasiqJobs is the most Basiq jobs running at once on the fake: created
// and not yet at their last step's end.
func peakBasiqJobs(st basiqtest.Stats) int {
	created := make(map[string]time.Time, len(st.Jobs))
	ended := make(map[string]time.Time, len(st.Jobs))
	for id, j := range st.Jobs {
		created[id] = j.Created
		var last time.Time
		for _, t := range j.StepFinished {
			if t.After(last) {
				last = t
			}
		}
		if !last.IsZero() && j.Status != "in-progress" {
			ended[id] = last
		}
	}
	return peakInFlight(created, ended)
}
