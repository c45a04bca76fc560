package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/worker"
)

// Modes of a run.
const (
	modeScheduled = "scheduled" // basiq-worker: one GET per poll task, follow-ups scheduled
	modeBlocking  = "blocking"  // baseline: the handler sleeps between GETs
	modeBoth      = "both"
	modeNoop      = "noop" // yardstick: asynq's own no-op tasks
	modeNode      = "node" // peer: Basiq's Node SDK in a BullMQ worker
)

// options are the command-line flags.
type options struct {
	n, blockingN   int
	rate           float64
	mode           string
	workers        int
	concurrency    int
	dequeuers      int           // ours: asynq servers sharing -concurrency
	followBehind   time.Duration // ours: FOLLOW_BEHIND (negative: never wait)
	idlePerHost    int
	workerLog      bool
	policy         worker.PollPolicy
	blockInterval  time.Duration
	steps          basiqtest.StepDurations
	jitter         float64
	seed           int64
	txPerAccount   int
	redisURL       string
	delayedCheck   time.Duration
	taskCheck      time.Duration
	timeout        time.Duration
	jsonOut        bool
	jsonFile       string
	tableFile      string
	dumpFile       string
	cpuProfile     string
	sweep          bool
	sweepPolicies  string
	progress       bool
	child          bool
	childNS        string
	childQueue     string
	childBasiqURL  string
	childMode      string
	childReadyFile string
	apiLoad        string
	apiRate        float64
	apiDuration    time.Duration
	faults         faultOptions
	spread         string
	blockingConc   string // -blocking-concurrency: the blocking runs at full n
	blockingConcOn bool   // -blocking-concurrency was given
	yardstick      bool
	peer           string
	nodeDir        string
	nodeConc       int
	crashAt        float64
	sweepSteps     string
	sampleEvery    time.Duration
	oneRun         string   // internal: run only the run of this label, print it as JSON
	args           []string // the command line after the program name
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	def := worker.DefaultConfig() // the worker's defaults, as basiq-worker runs
	o := options{policy: def.Policy}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.n, "n", 1000, "connections to enqueue")
	fs.Float64Var(&o.rate, "rate", 0, "enqueue at this many connections per second (default 0: all at once)")
	fs.StringVar(&o.mode, "mode", modeScheduled, "scheduled (basiq-worker), blocking (baseline) or both")
	fs.IntVar(&o.blockingN, "blocking-n", 0, "connections of the blocking run (default: n, capped at 10 rounds of -concurrency per worker; the makespan is then extrapolated linearly to n)")
	fs.IntVar(&o.workers, "workers", 1, "worker processes")
	fs.IntVar(&o.concurrency, "concurrency", def.Concurrency, "tasks at once per worker process (the worker's default)")
	fs.DurationVar(&o.followBehind, "follow-behind", def.FollowBehind, "ours: how late the follower's looks may run before new work waits (FOLLOW_BEHIND; the worker's default; 0: never wait)")
	fs.IntVar(&o.dequeuers, "dequeuers", def.Dequeuers, "ours: asynq servers sharing -concurrency in each worker process (WORKER_DEQUEUERS; the worker's default); the blocking baseline runs one, as a plain asynq worker does")
	fs.BoolVar(&o.workerLog, "worker-log", false, "worker logs JSON at info level, as basiq-worker does (to io.Discard: the cost without the terminal)")
	fs.IntVar(&o.idlePerHost, "idle-conns-per-host", 0, "worker's idle HTTP connections to Basiq (default 0: one per slot, as cmd/basiq-worker)")
	fs.DurationVar(&o.policy.Initial, "poll-initial", o.policy.Initial, "poll policy: first back-off delay")
	fs.Float64Var(&o.policy.Factor, "poll-factor", o.policy.Factor, "poll policy: back-off factor")
	fs.DurationVar(&o.policy.Max, "poll-max", o.policy.Max, "poll policy: longest delay")
	fs.Float64Var(&o.policy.Jitter, "poll-jitter", o.policy.Jitter, "poll policy: ± jitter fraction of a back-off delay")
	fs.DurationVar(&o.policy.Near, "poll-near", o.policy.Near, "poll policy: interval of the looks around a step's expected end (0: one look at it)")
	fs.Float64Var(&o.policy.Spread, "poll-spread", o.policy.Spread, "poll policy: assumed ± fraction of a step's duration around its expected one")
	fs.DurationVar(&o.blockInterval, "blocking-interval", time.Second, "poll interval of the blocking baseline")
	fs.DurationVar(&o.steps.Credentials, "step-credentials", time.Second, "fake Basiq: duration of verify-credentials")
	fs.DurationVar(&o.steps.Accounts, "step-accounts", 2*time.Second, "fake Basiq: duration of retrieve-accounts")
	fs.DurationVar(&o.steps.Transactions, "step-transactions", 3*time.Second, "fake Basiq: duration of retrieve-transactions")
	fs.Float64Var(&o.jitter, "jitter", 0.2, "fake Basiq: vary each step duration by up to ± this fraction")
	fs.Int64Var(&o.seed, "seed", 1, "fake Basiq: seed of ids and jitter")
	fs.IntVar(&o.txPerAccount, "tx-per-account", 2, "fake Basiq: transactions generated per account (the worker reads none; keeps the fake server small)")
	fs.StringVar(&o.redisURL, "redis-url", envOr(getenv, "REDIS_URL", config.DefaultRedisURL), "Redis (default $REDIS_URL)")
	fs.DurationVar(&o.delayedCheck, "delayed-check", def.DelayedTaskCheckInterval, "worker DelayedTaskCheckInterval (the worker's default)")
	fs.DurationVar(&o.taskCheck, "task-check", def.TaskCheckInterval, "worker TaskCheckInterval (the worker's default)")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "give up waiting for results after this long")
	fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON instead of a table")
	fs.StringVar(&o.jsonFile, "json-file", "", "also write the JSON report to this file")
	fs.StringVar(&o.tableFile, "table-file", "", "also write the table to this file")
	fs.StringVar(&o.dumpFile, "dump-file", "", "write one JSON line per job (server times, worker observations) to this file")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write each worker child's CPU profile to this file (suffix .K with several workers)")
	fs.BoolVar(&o.sweep, "sweep", false, "run the scheduled mode once per poll policy of -sweep-policies and print polls/job against latency")
	fs.StringVar(&o.sweepPolicies, "sweep-policies", defaultSweep, "policies of -sweep: initial/factor/max/jitter[/near/spread], comma-separated")
	fs.BoolVar(&o.progress, "progress", true, "show progress on stderr")
	fs.StringVar(&o.apiLoad, "api-load", "", "instead of the worker run: POST /v1/connections through the HTTP API at this rate (e.g. 1000/s) and report latency and losses")
	fs.DurationVar(&o.apiDuration, "api-duration", 30*time.Second, "how long -api-load sends")
	o.faults.register(fs)
	fs.StringVar(&o.spread, "spread", "uniform", "fake Basiq: distribution of -jitter: uniform (d·(1±jitter)) or lognormal (mean d, sigma = jitter, long right tail)")
	fs.StringVar(&o.blockingConc, "blocking-concurrency", "n", "-mode both, or blocking when given: concurrencies of the blocking baseline's full-n runs, comma-separated (\"n\" = -n); the targets compare the best makespan (\"\" or 0: none)")
	fs.BoolVar(&o.yardstick, "yardstick", true, "-mode both: also measure asynq's own no-op task rate at -n tasks (the ceiling's yardstick)")
	fs.StringVar(&o.peer, "peer", "", "also run a peer implementation: node (Basiq's Node SDK waitForCredentials in a BullMQ worker; needs node and npm)")
	fs.StringVar(&o.nodeDir, "node-dir", defaultNodeDir(getenv), "where -peer node installs its npm packages (outside the repository)")
	fs.IntVar(&o.nodeConc, "node-concurrency", 0, "-peer node: BullMQ worker concurrency (default: n)")
	fs.Float64Var(&o.crashAt, "crash-at", 0, "kill -9 the worker when this share of the results are in (e.g. 0.5), start a new one and report the crash cost (0: no crash)")
	fs.StringVar(&o.sweepSteps, "sweep-steps", "", "-sweep: fake step durations to sweep, comma-separated credentials/accounts/transactions[:uJITTER|:lnSIGMA] (default: the -step-* flags)")
	fs.DurationVar(&o.sampleEvery, "sample-every", 500*time.Millisecond, "how often Redis memory and the workers' RSS are sampled during a run")
	fs.BoolVar(&o.child, "worker-child", false, "internal: run as a worker child process")
	fs.StringVar(&o.oneRun, "one-run", "", "internal: run only this run of the report and print it as JSON")
	fs.StringVar(&o.childNS, "child-ns", "", "internal")
	fs.StringVar(&o.childQueue, "child-queue", "", "internal")
	fs.StringVar(&o.childBasiqURL, "child-basiq-url", "", "internal")
	fs.StringVar(&o.childMode, "child-mode", modeScheduled, "internal")
	fs.StringVar(&o.childReadyFile, "child-ready", "", "internal")
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	o.args = args[1:]
	fs.Visit(func(f *flag.Flag) { o.blockingConcOn = o.blockingConcOn || f.Name == "blocking-concurrency" })
	if o.apiLoad != "" {
		var err error
		if o.apiRate, err = parseRate(o.apiLoad); err != nil {
			return o, err
		}
		if o.apiDuration <= 0 {
			return o, fmt.Errorf("-api-duration must be > 0")
		}
	}
	return o, o.validate()
}

func (o options) validate() error {
	switch {
	case o.n <= 0:
		return fmt.Errorf("-n must be > 0")
	case o.workers <= 0:
		return fmt.Errorf("-workers must be > 0")
	case o.concurrency <= 0:
		return fmt.Errorf("-concurrency must be > 0")
	case o.dequeuers <= 0:
		return fmt.Errorf("-dequeuers must be > 0")
	case o.delayedCheck <= 0 || o.taskCheck <= 0:
		return fmt.Errorf("-delayed-check and -task-check must be > 0")
	case o.mode != modeScheduled && o.mode != modeBlocking && o.mode != modeBoth && o.mode != modeNoop:
		return fmt.Errorf("-mode must be scheduled, blocking, both or noop")
	case o.spread != "uniform" && o.spread != "lognormal":
		return fmt.Errorf("-spread must be uniform or lognormal")
	case o.peer != "" && o.peer != "node":
		return fmt.Errorf("-peer must be node")
	case o.crashAt < 0 || o.crashAt >= 1:
		return fmt.Errorf("-crash-at must be in [0, 1)")
	case o.sampleEvery <= 0:
		return fmt.Errorf("-sample-every must be > 0")
	}
	if _, err := blockingConcurrencies(o); err != nil {
		return err
	}
	if _, err := parseSteps(o.sweepSteps, o); err != nil {
		return err
	}
	if err := o.policy.Validate(); err != nil {
		return err
	}
	_, err := parsePolicies(o.sweepPolicies)
	return err
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// defaultSweep are the policies -sweep compares.
const defaultSweep = "300ms/1/300ms/0,300ms/1.25/2s/0,300ms/1.5/2s/0,500ms/1.5/5s/0.2,1s/1.6/15s/0.2,2s/1.5/15s/0.2,500ms/1.5/5s/0.2/900ms/0.2,500ms/1.5/5s/0.2/900ms/0.3"

// parsePolicies parses "initial/factor/max/jitter[/near/spread],...".
func parsePolicies(s string) ([]worker.PollPolicy, error) {
	var ps []worker.PollPolicy
	for _, item := range strings.Split(s, ",") {
		p, err := worker.ParsePollPolicy(item)
		if err != nil {
			return nil, fmt.Errorf("sweep %v", err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// policyString formats p as -sweep-policies does.
func policyString(p worker.PollPolicy) string { return p.String() }

// stderrIsTerminal reports whether progress can redraw one line.
func stderrIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// blockingConcurrencies parses -blocking-concurrency ("n" is -n).
func blockingConcurrencies(o options) ([]int, error) {
	var cs []int
	for _, f := range strings.Split(o.blockingConc, ",") {
		f = strings.TrimSpace(f)
		switch f {
		case "", "0":
			continue
		case "n":
			cs = append(cs, o.n)
			continue
		}
		c, err := strconv.Atoi(f)
		if err != nil || c < 0 {
			return nil, fmt.Errorf("-blocking-concurrency: %q is not a concurrency (want numbers or n, comma-separated)", f)
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// stepConfig is one fake step-duration setting of a sweep.
type stepConfig struct {
	steps  basiqtest.StepDurations
	jitter float64
	spread string
}

func (c stepConfig) String() string {
	k := "u"
	if c.spread == "lognormal" {
		k = "ln"
	}
	return fmt.Sprintf("%s/%s/%s:%s%g", c.steps.Credentials, c.steps.Accounts, c.steps.Transactions, k, c.jitter)
}

// parseSteps parses -sweep-steps: "1s/2s/3s:u0.2,8.2s/3.8s/7.1s:ln0.6"; "" is the flags' own.
func parseSteps(s string, o options) ([]stepConfig, error) {
	if strings.TrimSpace(s) == "" {
		return []stepConfig{{o.steps, o.jitter, o.spread}}, nil
	}
	var cs []stepConfig
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		durs, spread, _ := strings.Cut(item, ":")
		f := strings.Split(durs, "/")
		if len(f) != 3 {
			return nil, fmt.Errorf("-sweep-steps %q: want credentials/accounts/transactions[:uJITTER|:lnSIGMA]", item)
		}
		c := stepConfig{steps: o.steps, jitter: o.jitter, spread: o.spread}
		for i, p := range []*time.Duration{&c.steps.Credentials, &c.steps.Accounts, &c.steps.Transactions} {
			d, err := time.ParseDuration(f[i])
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("-sweep-steps %q: %q is not a duration > 0", item, f[i])
			}
			*p = d
		}
		if spread != "" {
			num := spread
			switch {
			case strings.HasPrefix(spread, "ln"):
				c.spread, num = "lognormal", spread[2:]
			case strings.HasPrefix(spread, "u"):
				c.spread, num = "uniform", spread[1:]
			default:
				return nil, fmt.Errorf("-sweep-steps %q: spread %q: want uJITTER or lnSIGMA", item, spread)
			}
			j, err := strconv.ParseFloat(num, 64)
			if err != nil || j < 0 || c.spread == "uniform" && j >= 1 {
				return nil, fmt.Errorf("-sweep-steps %q: spread %q: bad number", item, spread)
			}
			c.jitter = j
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// defaultNodeDir is $XDG_CACHE_HOME/basiq-bench/node-peer, else ~/.cache/...: outside the repository.
func defaultNodeDir(getenv func(string) string) string {
	base := getenv("XDG_CACHE_HOME")
	if base == "" {
		home := getenv("HOME")
		if home == "" {
			home = os.TempDir()
		}
		base = home + "/.cache"
	}
	return base + "/basiq-bench/node-peer"
}
