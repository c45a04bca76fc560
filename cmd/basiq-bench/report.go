package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// Report is everything a benchmark invocation measured.
type Report struct {
	Date    string   `json:"date"`
	Command string   `json:"command"`
	Machine Machine  `json:"machine"`
	Runs    []*Run   `json:"runs"`
	Ratio   *Compare `json:"comparison,omitempty"`
	Sweep   []*Run   `json:"sweep,omitempty"`
}

// Run holds the figures of one mode.
type Run struct {
	Mode        string  `json:"mode"`
	N           int     `json:"n"`
	WorkerProcs int     `json:"workerProcesses"`
	Concurrency int     `json:"concurrency"`
	Policy      string  `json:"pollPolicy,omitempty"`
	BlockEvery  string  `json:"blockingInterval,omitempty"`
	StepsConfig string  `json:"fakeSteps"`
	Jitter      float64 `json:"fakeJitter"`
	// MakespanS runs from the first enqueue to the last result received.
	MakespanS      float64        `json:"makespanSeconds"`
	EnqueueS       float64        `json:"enqueueSeconds"`
	ResultsPerS    float64        `json:"resultsPerSecond"`
	Outcomes       map[string]int `json:"outcomes"`
	Detection      map[string]Pct `json:"detectionLatencyMs"`
	EnqueueToFirst Pct            `json:"enqueueToFirstCallMs"`
	PollsPerJob    float64        `json:"pollsPerJob"`
	// ResultPollsPerJob is the mean of Result.Polls, the worker's own count.
	ResultPollsPerJob float64         `json:"resultPollsPerJob"`
	RequestsPerJob    float64         `json:"basiqRequestsPerJob"`
	Requests          map[string]int  `json:"basiqRequestsByRoute"`
	TokenRequests     int             `json:"tokenRequests"`
	RedisCmdsPerJob   float64         `json:"redisCommandsPerJob"`
	RedisCmds         map[string]int  `json:"redisCommandsByName"`
	Workers           []WorkerFigures `json:"workers"`
	PeakRSSMB         float64         `json:"peakRssMB"`
	CPUSeconds        float64         `json:"workerCpuSeconds"`
	// RedisCPUSeconds is the Redis server's CPU time during the run (INFO cpu; it includes
	// anything else using that server); BenchCPUSeconds is this process's: the fake Basiq
	// server, the enqueuer and the results reader.
	RedisCPUSeconds float64 `json:"redisCpuSeconds"`
	// RedisMemoryKBPerJob is the growth of Redis used_memory per job once all results are
	// in: what retained tasks, results and records keep until they expire.
	RedisMemoryKBPerJob float64 `json:"redisMemoryKBPerJob"`
	BenchCPUSeconds     float64 `json:"benchCpuSeconds"`
	Rate                float64 `json:"enqueueRate,omitempty"`
	// Extrapolated is set on a blocking run smaller than -n: ExtrapolatedMakespanS is its
	// makespan scaled linearly to ExtrapolatedN.
	ExtrapolatedN         int     `json:"extrapolatedN,omitempty"`
	ExtrapolatedMakespanS float64 `json:"extrapolatedMakespanSeconds,omitempty"`
}

// Pct are percentiles in milliseconds.
type Pct struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Compare is the blocking baseline against the worker at equal concurrency.
type Compare struct {
	N                  int     `json:"n"`
	ScheduledMakespanS float64 `json:"scheduledMakespanSeconds"`
	BlockingMakespanS  float64 `json:"blockingMakespanSeconds"`
	Extrapolated       bool    `json:"blockingExtrapolated"`
	Ratio              float64 `json:"ratio"`
}

// Machine describes where the benchmark ran.
type Machine struct {
	NProc     int    `json:"nproc"`
	CPU       string `json:"cpu"`
	MemoryMB  int    `json:"memoryMB"`
	Go        string `json:"go"`
	GitCommit string `json:"gitCommit"`
	Redis     string `json:"redis,omitempty"`
	RedisURL  string `json:"redisUrl"`
	// LoadAvg is /proc/loadavg when the benchmark started: other work on the machine.
	LoadAvg string `json:"loadavg"`
}

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
	o := e.o
	r.WorkerProcs, r.Concurrency = o.workers, o.concurrency
	if r.Concurrency <= 0 {
		r.Concurrency = defaultConcurrency
	}
	if r.Mode == modeScheduled {
		r.Policy = policyString(o.policy)
	} else {
		r.BlockEvery = o.blockInterval.String()
	}
	r.StepsConfig = fmt.Sprintf("%s/%s/%s", o.steps.Credentials, o.steps.Accounts, o.steps.Transactions)
	r.Jitter, r.Rate = o.jitter, o.rate
	r.MakespanS = col.last.Sub(start).Seconds()
	var lastEnq time.Time
	for _, t := range enq {
		if t.After(lastEnq) {
			lastEnq = t
		}
	}
	r.EnqueueS = lastEnq.Sub(start).Seconds()
	r.ResultsPerS = float64(r.N) / r.MakespanS
	r.Outcomes = map[string]int{}
	det := map[string][]time.Duration{}
	var first []time.Duration
	polls := 0
	for id, res := range col.results {
		r.Outcomes[string(res.Outcome)]++
		polls += res.Polls
		js, ok := st.Jobs[res.JobID]
		if !ok {
			continue
		}
		if at, ok := enq[id]; ok {
			first = append(first, js.Created.Sub(at))
		}
		for _, s := range res.Steps {
			if s.Status != sdk.StatusSuccess && s.Status != sdk.StatusFailed {
				continue
			}
			if fin, ok := js.StepFinished[s.Title]; ok {
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
	for _, w := range r.Workers {
		r.PeakRSSMB = max(r.PeakRSSMB, w.PeakRSSMB)
		r.CPUSeconds += w.CPUSeconds
	}
}

// compare fills Ratio when both modes ran, extrapolating a smaller blocking run.
func (rep *Report) compare() {
	var s, b *Run
	for _, r := range rep.Runs {
		switch r.Mode {
		case modeScheduled:
			s = r
		case modeBlocking:
			b = r
		}
	}
	if b != nil && s != nil && b.N < s.N {
		b.ExtrapolatedN = s.N
		b.ExtrapolatedMakespanS = b.MakespanS * float64(s.N) / float64(b.N)
	}
	if s == nil || b == nil {
		return
	}
	c := &Compare{N: s.N, ScheduledMakespanS: s.MakespanS, BlockingMakespanS: b.MakespanS}
	if b.ExtrapolatedN > 0 {
		c.BlockingMakespanS, c.Extrapolated = b.ExtrapolatedMakespanS, true
	}
	c.Ratio = c.BlockingMakespanS / c.ScheduledMakespanS
	rep.Ratio = c
}

// write prints the report (table or JSON) and writes the files asked for.
func (rep *Report) write(o options, stdout io.Writer) error {
	rep.Date = time.Now().UTC().Format(time.RFC3339)
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if o.jsonFile != "" {
		if err := os.WriteFile(o.jsonFile, append(js, '\n'), 0o644); err != nil {
			return err
		}
	}
	var table strings.Builder
	rep.table(&table)
	if o.tableFile != "" {
		if err := os.WriteFile(o.tableFile, []byte(table.String()), 0o644); err != nil {
			return err
		}
	}
	if o.jsonOut {
		_, err = fmt.Fprintf(stdout, "%s\n", js)
		return err
	}
	_, err = io.WriteString(stdout, table.String())
	return err
}

// stepOrder is the order steps are printed in.
var stepOrder = []string{sdk.StepVerifyCredentials, sdk.StepRetrieveAccounts, sdk.StepRetrieveTransactions, "all steps"}

func (rep *Report) table(w io.Writer) {
	m := rep.Machine
	fmt.Fprintf(w, "basiq-bench  %s  commit %s  %s\n", rep.Date, m.GitCommit, m.Go)
	fmt.Fprintf(w, "machine: %d CPU (%s), %d MB; redis %s at %s; load average at start %s\n", m.NProc, m.CPU, m.MemoryMB, m.Redis, m.RedisURL, m.LoadAvg)
	fmt.Fprintf(w, "command: %s\n", rep.Command)
	for _, r := range rep.Runs {
		fmt.Fprintln(w)
		r.table(w)
	}
	if c := rep.Ratio; c != nil {
		ext := ""
		if c.Extrapolated {
			ext = " (blocking extrapolated linearly from its smaller run)"
		}
		fmt.Fprintf(w, "\nblocking / scheduled makespan at n=%d: %.1f s / %.1f s = %.1fx%s\n",
			c.N, c.BlockingMakespanS, c.ScheduledMakespanS, c.Ratio, ext)
	}
	if len(rep.Sweep) > 0 {
		fmt.Fprintln(w)
		sweepTable(w, rep.Sweep)
	}
}

func (r *Run) table(w io.Writer) {
	how := "policy " + r.Policy
	if r.Mode == modeBlocking {
		how = "sleeping in the handler, GET every " + r.BlockEvery
	}
	fmt.Fprintf(w, "== %s: n=%d, %d worker process(es) x concurrency %d, %s; fake steps %s ±%.0f%%\n",
		r.Mode, r.N, r.WorkerProcs, r.Concurrency, how, r.StepsConfig, r.Jitter*100)
	if r.Rate > 0 {
		fmt.Fprintf(w, "enqueued at %.0f/s\n", r.Rate)
	}
	fmt.Fprintf(w, "makespan %.2f s (enqueue %.2f s)  %.1f results/s  outcomes %v\n", r.MakespanS, r.EnqueueS, r.ResultsPerS, r.Outcomes)
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
	fmt.Fprintf(w, "basiq requests/job %.2f (polls/job %.2f; worker's count %.2f)  token requests %d\n",
		r.RequestsPerJob, r.PollsPerJob, r.ResultPollsPerJob, r.TokenRequests)
	fmt.Fprintf(w, "  by route: %s\n", topCounts(r.Requests, r.N, 8))
	fmt.Fprintf(w, "redis commands/job %.1f (INFO commandstats delta, scripts' inner calls included)\n", r.RedisCmdsPerJob)
	fmt.Fprintf(w, "  top: %s\n", topCounts(r.RedisCmds, r.N, 8))
	fmt.Fprintf(w, "redis memory kept after the run: %.1f KB/job (retained tasks, results, records until they expire)\n", r.RedisMemoryKBPerJob)
	fmt.Fprintf(w, "worker: peak RSS %.1f MB, CPU %.2f s", r.PeakRSSMB, r.CPUSeconds)
	if len(r.Workers) > 1 {
		fmt.Fprintf(w, " (sum of %d processes; peak RSS of the largest)", len(r.Workers))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "other CPU during the run: redis-server %.2f s, basiq-bench (fake Basiq, enqueuer, results reader) %.2f s\n",
		r.RedisCPUSeconds, r.BenchCPUSeconds)
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
	fmt.Fprintf(w, "sweep: n=%d per policy, fake steps %s ±%.0f%%\n", runs[0].N, runs[0].StepsConfig, runs[0].Jitter*100)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy (initial/factor/max/jitter)\tpolls/job\tp50 ms\tp95 ms\tp99 ms\tmax ms\tmakespan s\t")
	for _, r := range runs {
		p := r.Detection["all steps"]
		fmt.Fprintf(tw, "%s\t%.2f\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t\n", r.Policy, r.PollsPerJob, p.P50, p.P95, p.P99, p.Max, r.MakespanS)
	}
	tw.Flush()
}

func machineInfo() Machine {
	m := Machine{NProc: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAvg = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"), "%d", &kb)
		m.MemoryMB = kb / 1024
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.GitCommit = strings.TrimSpace(string(out))
	} else if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				m.GitCommit = s.Value
			}
		}
	}
	return m
}

func commandLine() string {
	args := slices.Clone(os.Args)
	args[0] = "basiq-bench"
	return strings.Join(args, " ")
}

func newReport(ctx context.Context, o options) *Report {
	m := machineInfo()
	m.Redis = redisVersion(ctx, o.redisURL)
	m.RedisURL = o.redisURL
	if u, err := url.Parse(o.redisURL); err == nil {
		m.RedisURL = u.Redacted()
	}
	return &Report{Machine: m, Command: commandLine()}
}
