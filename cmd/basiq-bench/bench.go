package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// Sandbox login of AU00000 that always succeeds.
const (
	institution   = "AU00000"
	sandboxLogin  = "gavinBelson"
	sandboxSecret = "hooli2016"
)

// runBench runs the modes asked for and prints the report. -mode both runs
// ours, the blocking baseline at the same concurrency (extrapolated from a
// smaller n), the blocking baseline at full n at each -blocking-concurrency
// (by default n: every job its own slot, its best makespan), asynq's no-op
// yardstick and, with -peer node, the Node SDK in BullMQ; then the table of
// the targets.
func runBench(ctx context.Context, o options, stdout, stderr io.Writer) error {
	type plan struct {
		label string
		run   func() (*Run, error)
	}
	var plans []plan
	if o.mode == modeBoth || o.mode == modeBlocking && o.blockingConcOn {
		cs, _ := blockingConcurrencies(o)
		for _, c := range cs {
			ob := o
			ob.concurrency = c
			plans = append(plans, plan{fmt.Sprintf("%s %d", labelBlockingAt, c), func() (*Run, error) { return runOnce(ctx, ob, modeBlocking, o.n, stderr) }})
		}
	}
	if o.mode == modeScheduled || o.mode == modeBoth {
		plans = append(plans, plan{labelOurs, func() (*Run, error) { return runOnce(ctx, o, modeScheduled, o.n, stderr) }})
	}
	if o.mode == modeBoth || o.mode == modeBlocking && !o.blockingConcOn {
		plans = append(plans, plan{labelBlockingEqual, func() (*Run, error) { return runOnce(ctx, o, modeBlocking, blockingN(o), stderr) }})
	}
	if o.mode == modeNoop || o.mode == modeBoth && o.yardstick {
		plans = append(plans, plan{labelNoop, func() (*Run, error) { return runNoop(ctx, o, stderr) }})
	}
	if o.peer == "node" {
		plans = append(plans, plan{labelNode, func() (*Run, error) { return runNode(ctx, o, stderr) }})
	}
	if o.oneRun != "" { // a child of the loop below: this run only, as JSON
		for _, p := range plans {
			if p.label == o.oneRun {
				var out oneRunOutput
				r, err := p.run()
				switch {
				case errors.Is(err, errSkipped):
					out.Skipped = err.Error()
				case err != nil:
					return err
				default:
					out.Run = r
				}
				return json.NewEncoder(stdout).Encode(out)
			}
		}
		return fmt.Errorf("-one-run %q: no such run", o.oneRun)
	}
	rep := newReport(ctx, o)
	for _, p := range plans {
		out, err := runInProcess(ctx, o, p.label, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", p.label, err)
		}
		if out.Skipped != "" {
			fmt.Fprintf(stderr, "basiq-bench: %s %s\n", p.label, out.Skipped)
			rep.Skipped = append(rep.Skipped, p.label+" "+out.Skipped)
			continue
		}
		out.Run.Label = p.label
		rep.Runs = append(rep.Runs, out.Run)
	}
	rep.compare()
	return rep.write(o, stdout)
}

// oneRunOutput is what a -one-run child prints.
type oneRunOutput struct {
	Run     *Run   `json:"run,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

// runInProcess runs one run of the report in a process of its own (this
// executable with -one-run): a run in the same process as an earlier one
// found the fake Basiq busy at 2 cores with what the earlier runs left (its
// 10,000 creates at once all timed out), so every run starts fresh.
func runInProcess(ctx context.Context, o options, label string, stderr io.Writer) (*oneRunOutput, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := append(append([]string{}, o.args...), "-one-run", label)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 60 * time.Second
	b, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var out oneRunOutput
	if err := json.Unmarshal(b, &out); err != nil || out.Run == nil && out.Skipped == "" {
		return nil, fmt.Errorf("run process printed %q: %v", b, err)
	}
	return &out, nil
}

// Labels of the runs of a report.
const (
	labelOurs          = "ours"
	labelBlockingEqual = "blocking, same concurrency"
	labelBlockingAt    = "blocking, concurrency"
	labelNoop          = "asynq no-op yardstick"
	labelNode          = "node peer (basiq-sdk-nodejs + BullMQ)"
)

// blockingN is the size of the blocking run: -blocking-n, else n capped at 10 rounds of all
// the workers' slots (each round takes a whole Basiq job).
func blockingN(o options) int {
	if o.blockingN > 0 {
		return min(o.blockingN, o.n)
	}
	return min(o.n, 10*o.concurrency*o.workers)
}

// env is what one run sets up: the fake Basiq server, Redis, the ids of the run.
type env struct {
	o           options
	mode        string
	n           int
	id          string // namespace and queue of the run
	apiKey      string
	keyring     string
	fake        *basiqtest.Server
	throttle    *throttleRecorder
	fakeURL     string
	rdb         *redis.Client
	users       []string
	children    []*child
	mu          sync.Mutex      // children and gone (-crash-at swaps a child)
	gone        []WorkerFigures // workers killed by -crash-at: their figures still count
	node        *exec.Cmd       // -peer node
	nodeIn      io.WriteCloser
	nodeCPU0    float64 // its CPU seconds when ready
	nodeTrouble *BullMQTrouble
	// fakeConns counts the TCP connections the fake accepted.
	fakeConns atomic.Int64
}

// newEnv is a run of n connections in mode with ids, a Basiq API key and a
// keyring of its own.
func newEnv(o options, mode string, n int) *env {
	key := make([]byte, 32)
	rand.Read(key)
	return &env{o: o, mode: mode, n: n, id: "bench-" + randHex(6), apiKey: randHex(16),
		keyring: "bench:" + base64.StdEncoding.EncodeToString(key)}
}

// connectRedis opens e.rdb on the run's Redis and checks it answers. Its read
// timeout outlasts the results reader's blocking XREAD (up to 5 s).
func (e *env) connectRedis(ctx context.Context) (func(), error) {
	ropt, err := redis.ParseURL(e.o.redisURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	ropt.PoolSize = 32
	ropt.ReadTimeout = 10 * time.Second
	e.rdb = redis.NewClient(ropt)
	if err := e.rdb.Ping(ctx).Err(); err != nil {
		e.rdb.Close()
		return nil, fmt.Errorf("redis %s: %w", e.o.redisURL, err)
	}
	return func() { e.rdb.Close() }, nil
}

// runOnce runs n connections in mode and returns its figures.
func runOnce(ctx context.Context, o options, mode string, n int, stderr io.Writer) (*Run, error) {
	e := newEnv(o, mode, n)
	stopFake, err := e.startFake()
	if err != nil {
		return nil, err
	}
	defer stopFake()
	closeRedis, err := e.connectRedis(ctx)
	if err != nil {
		return nil, err
	}
	defer closeRedis()
	defer e.cleanup(stderr)
	if err := e.createUsers(ctx); err != nil {
		return nil, err
	}
	e.fake.ResetStats()
	if fs := e.o.faults.faults(); len(fs) > 0 {
		e.fake.SetFaults(fs...)
	}
	e.throttle.start()
	return e.measure(ctx, stderr)
}

// measure starts the workers, enqueues, waits for every result and collects the figures.
func (e *env) measure(ctx context.Context, stderr io.Writer) (*Run, error) {
	before, err := commandStats(ctx, e.rdb)
	if err != nil {
		return nil, err
	}
	waitLazyFree(ctx, e.rdb) // the keys of an earlier run are freed in the background
	conns0 := e.fakeConns.Load()
	redisCPU0, benchCPU0, mem0 := redisCPU(ctx, e.rdb), selfCPU(), redisMemory(ctx, e.rdb)
	machineCPU0 := machineCPU()
	ctx, cancelCause := context.WithCancelCause(ctx)
	defer cancelCause(nil)
	ctx, cancel := context.WithTimeout(ctx, e.o.timeout)
	defer cancel()
	var done atomic.Int64
	col := newCollector(e.n)
	var enq map[string]time.Time
	var crash *Crash
	var start time.Time
	var smp *sampler
	if e.mode == modeNode {
		smp = startSampler(ctx, e.rdb, mem0, e.o.sampleEvery, e.pids)
		stopProgress := startProgress(stderr, e.o.progress, e.mode, e.n, &done)
		start, enq, err = e.runNodePeer(ctx, col, &done)
		stopProgress()
		if err != nil {
			smp.stop()
			return nil, fmt.Errorf("%s: %d of %d results: %w", e.mode, done.Load(), e.n, err)
		}
	} else {
		if err := e.startChildren(ctx); err != nil {
			e.stopChildren()
			return nil, err
		}
		defer e.stopChildren()
		e.watchChildren(ctx, cancelCause)
		smp = startSampler(ctx, e.rdb, mem0, e.o.sampleEvery, e.pids)
		subErr := make(chan error, 1)
		go func() { subErr <- col.follow(ctx, tasks.NewClient(e.rdb, nil, tasks.WithNamespace(e.id)), &done) }()
		stopProgress := startProgress(stderr, e.o.progress, e.mode, e.n, &done)
		start = time.Now()
		var crashed chan *Crash
		if e.o.crashAt > 0 {
			crashed = e.crashAt(ctx, cancelCause, start, &done)
		}
		enq, err = e.enqueue(ctx)
		if err != nil {
			stopProgress()
			smp.stop()
			return nil, err
		}
		err = <-subErr
		stopProgress()
		if crashed != nil {
			crash = <-crashed
		}
		if err != nil {
			smp.stop()
			if cause := context.Cause(ctx); cause != nil && cause != err {
				err = fmt.Errorf("%w (%v)", err, cause)
			}
			return nil, fmt.Errorf("%s: %d of %d results: %w", e.mode, done.Load(), e.n, err)
		}
	}
	peaks := smp.stop()
	r := &Run{Mode: e.mode, N: e.n, ID: e.id}
	r.Workers = e.childFigures()
	r.RedisCPUSeconds = redisCPU(ctx, e.rdb) - redisCPU0
	r.BenchCPUSeconds = selfCPU() - benchCPU0
	r.MachineCPUSeconds = machineCPU() - machineCPU0
	r.RedisMemoryDeltaMB = float64(redisMemory(ctx, e.rdb)-mem0) / (1 << 20)
	r.RedisMemoryKBPerJob = r.RedisMemoryDeltaMB * 1024 / float64(e.n)
	r.RedisPeakMemoryDeltaMB = peaks.redisMB
	r.PeakBenchFDs, r.PeakWorkerFDs = peaks.benchFDs, peaks.workerFDs
	after, err := commandStats(ctx, e.rdb)
	if err != nil {
		return nil, err
	}
	r.TasksProcessed = e.tasksProcessed()
	r.RedisKeptKBByKind = keptByKind(ctx, e.rdb, e.id, e.n) // after the command counts: its SCAN and MEMORY USAGE are not the run's
	r.BullMQ = e.nodeTrouble
	r.FakeConnections = int(e.fakeConns.Load() - conns0)
	st := e.fake.Stats()
	r.fill(e, start, enq, col, st, diffStats(before, after))
	if crash != nil {
		crash.fill(r, col, st, e.n)
		r.Crash = crash
	}
	if _, ok := e.o.faults.fault(); ok || e.o.faults.limit > 0 {
		t := e.throttle.figures()
		r.Throttle = &t
	}
	if e.o.dumpFile != "" {
		if err := dumpJobs(e.o.dumpFile+"."+e.mode, enq, col, st); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (e *env) startFake() (func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.fakeURL = "http://" + ln.Addr().String()
	links := e.fakeURL
	if e.mode == modeNode {
		links = nodeSDKHost // the Node SDK cuts its paging links at ".io/"; its shim maps the host to the fake
	}
	spread := basiqtest.SpreadUniform
	if e.o.spread == "lognormal" {
		spread = basiqtest.SpreadLogNormal
	}
	e.fake = basiqtest.New(basiqtest.WithBaseURL(links), basiqtest.WithStepDurations(e.o.steps),
		basiqtest.WithJitter(e.o.jitter), basiqtest.WithSpread(spread), basiqtest.WithSeed(e.o.seed),
		basiqtest.WithTransactionsPerAccount(e.o.txPerAccount))
	e.throttle = newThrottleRecorder(e.fake.Handler())
	hs := &http.Server{Handler: e.throttle, ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				e.fakeConns.Add(1)
			}
		}}
	go hs.Serve(ln)
	return func() { hs.Close() }, nil
}

// createUsers creates one Basiq user per connection on the fake server.
func (e *env) createUsers(ctx context.Context) error {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	c, err := sdk.New(e.apiKey, sdk.WithBaseURL(e.fakeURL), sdk.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		return err
	}
	e.users = make([]string, e.n)
	return parallel(ctx, e.n, 16, func(ctx context.Context, i int) error {
		u, err := c.Users.Create(ctx, sdk.UserParams{Email: fmt.Sprintf("bench%d@example.com", i), FirstName: "Bench"})
		if err != nil {
			return fmt.Errorf("create user %d: %w", i, err)
		}
		e.users[i] = u.ID
		return nil
	})
}

// enqueue enqueues one create-connection task per user and returns the enqueue times by task id.
func (e *env) enqueue(ctx context.Context) (map[string]time.Time, error) {
	kr, err := tasks.ParseKeyring(e.keyring)
	if err != nil {
		return nil, err
	}
	cl := tasks.NewClient(e.rdb, kr, tasks.WithNamespace(e.id), tasks.WithDefaultQueue(e.id))
	var mu sync.Mutex
	times := make(map[string]time.Time, e.n)
	start := time.Now()
	err = parallel(ctx, e.n, 8, func(ctx context.Context, i int) error {
		if e.o.rate > 0 {
			due := start.Add(time.Duration(float64(i) / e.o.rate * float64(time.Second)))
			if err := sleepUntil(ctx, due); err != nil {
				return err
			}
		}
		at := time.Now()
		id, err := cl.CreateConnection(ctx, tasks.CreateConnection{UserID: e.users[i], InstitutionID: institution,
			Credentials: tasks.Credentials{LoginID: sandboxLogin, Password: sandboxSecret}}, tasks.Enqueue{IdempotencyKey: fmt.Sprintf("%s-%d", e.id, i)})
		if err != nil {
			return err
		}
		mu.Lock()
		times[id] = at
		mu.Unlock()
		return nil
	})
	return times, err
}

// parallel runs f(0..n-1) on k goroutines; the first error stops it.
func parallel(ctx context.Context, n, k int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(ctx, i); err != nil {
					cancel(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
