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
	"strings"
	"time"
)

// Report is everything a benchmark invocation measured.
type Report struct {
	Date    string   `json:"date"`
	Command string   `json:"command"`
	Machine Machine  `json:"machine"`
	Runs    []*Run   `json:"runs"`
	Ratio   *Compare `json:"comparison,omitempty"`
	// Targets are issue 14's targets against the best blocking run.
	Targets []Target `json:"targets,omitempty"`
	// Ceiling says what bounds results/s on this machine.
	Ceiling *Ceiling `json:"ceiling,omitempty"`
	Sweep   []*Run   `json:"sweep,omitempty"`
	// Skipped says which runs could not run here, and why.
	Skipped []string `json:"skipped,omitempty"`
}

// Run holds the figures of one mode.
type Run struct {
	Label string `json:"label,omitempty"`
	Mode  string `json:"mode"`
	// ID is the run's namespace and asynq queue (its keys in Redis).
	ID          string `json:"id"`
	N           int    `json:"n"`
	WorkerProcs int    `json:"workerProcesses"`
	Concurrency int    `json:"concurrency"`
	Dequeuers   int    `json:"dequeuers,omitempty"` // ours: asynq servers sharing Concurrency
	// FollowBehind is ours' FOLLOW_BEHIND ("0s": never waits).
	FollowBehind string  `json:"followBehind,omitempty"`
	Policy       string  `json:"pollPolicy,omitempty"`
	BlockEvery   string  `json:"blockingInterval,omitempty"`
	StepsConfig  string  `json:"fakeSteps"`
	Jitter       float64 `json:"fakeJitter"`
	Spread       string  `json:"fakeSpread"`
	// CreateLatency is -create-latency: added to each connection create.
	CreateLatency string `json:"fakeCreateLatency,omitempty"`
	// MakespanS runs from the first enqueue to the last result received.
	MakespanS   float64 `json:"makespanSeconds"`
	EnqueueS    float64 `json:"enqueueSeconds"`
	ResultsPerS float64 `json:"resultsPerSecond"`
	// LongestJobS is the longest Basiq job of the run by the fake's clock,
	// created to its last step's end: no makespan is shorter, so N over it
	// (JobBoundResultsPerS) bounds ResultsPerS whatever the worker does.
	LongestJobS         float64        `json:"longestJobSeconds,omitempty"`
	JobBoundResultsPerS float64        `json:"jobBoundResultsPerSecond,omitempty"`
	Outcomes            map[string]int `json:"outcomes"`
	// ErrorCodes counts the results' error codes.
	ErrorCodes map[string]int `json:"errorCodes,omitempty"`
	// PeakInFlight is the most connections enqueued without a result yet.
	PeakInFlight int `json:"peakInFlight"`
	// PeakBasiqJobs is the most Basiq jobs running at once (fake's times).
	PeakBasiqJobs int `json:"peakBasiqJobs"`
	// RedisPeakMemoryDeltaMB is the highest used_memory sampled during the
	// run, above the level before it.
	RedisPeakMemoryDeltaMB float64 `json:"redisPeakMemoryDeltaMB"`
	// PeakBenchFDs and PeakWorkerFDs are the most open files sampled in this
	// process (the fake Basiq server's sockets) and in the workers.
	PeakBenchFDs  int `json:"peakBenchOpenFiles"`
	PeakWorkerFDs int `json:"peakWorkerOpenFiles"`
	// TasksProcessed are the asynq tasks the run's queues processed.
	TasksProcessed int `json:"asynqTasksProcessed"`
	// BullMQ is set on the node peer's run.
	BullMQ *BullMQTrouble `json:"bullmq,omitempty"`
	// Crash is set with -crash-at.
	Crash *Crash `json:"crash,omitempty"`
	// Throttle is set when the fake had faults or the workers a rate limit.
	Throttle       *Throttle      `json:"throttle,omitempty"`
	Detection      map[string]Pct `json:"detectionLatencyMs"`
	EnqueueToFirst Pct            `json:"enqueueToFirstCallMs"`
	PollsPerJob    float64        `json:"pollsPerJob"`
	// ResultPollsPerJob is the mean of Result.Polls, the worker's own count.
	ResultPollsPerJob float64        `json:"resultPollsPerJob"`
	RequestsPerJob    float64        `json:"basiqRequestsPerJob"`
	Requests          map[string]int `json:"basiqRequestsByRoute"`
	TokenRequests     int            `json:"tokenRequests"`
	// FakeConnections are the TCP connections the fake Basiq server accepted
	// during the run: about one per slot when idle connections are kept.
	FakeConnections int             `json:"fakeBasiqConnections"`
	RedisCmdsPerJob float64         `json:"redisCommandsPerJob"`
	RedisCmds       map[string]int  `json:"redisCommandsByName"`
	Workers         []WorkerFigures `json:"workers"`
	PeakRSSMB       float64         `json:"peakRssMB"`
	CPUSeconds      float64         `json:"workerCpuSeconds"`
	// RedisCPUSeconds is the Redis server's CPU time during the run (INFO cpu; it includes
	// anything else using that server); BenchCPUSeconds is this process's: the fake Basiq
	// server, the enqueuer and the results reader.
	RedisCPUSeconds float64 `json:"redisCpuSeconds"`
	// RedisMemoryKBPerJob is the growth of Redis used_memory per job once all results are
	// in: what retained tasks, results and records keep until they expire.
	RedisMemoryKBPerJob float64 `json:"redisMemoryKBPerJob"`
	RedisMemoryDeltaMB  float64 `json:"redisMemoryDeltaMB"`
	// RedisKeptKBByKind is what the run's keys of each kind keep after it, in
	// KB per job (MEMORY USAGE of samples, see keptByKind): where
	// RedisMemoryKBPerJob goes.
	RedisKeptKBByKind map[string]float64 `json:"redisKeptKBByKind,omitempty"`
	BenchCPUSeconds   float64            `json:"benchCpuSeconds"`
	// MachineCPUSeconds is the CPU every process of the machine used during
	// the run (/proc/stat): beyond the three above, other work slowed it.
	MachineCPUSeconds float64 `json:"machineCpuSeconds,omitempty"`
	Rate              float64 `json:"enqueueRate,omitempty"`
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
