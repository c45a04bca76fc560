package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// nodeSDKHost is the host fixed in basiq-sdk-nodejs.
const nodeSDKHost = "https://au-api.basiq.io"

//go:embed nodepeer/peer.js
var nodePeerJS []byte

//go:embed nodepeer/package.json
var nodePeerPackage []byte

// errSkipped marks a peer that cannot run here (no node or npm, npm registry unreachable).
var errSkipped = errors.New("skipped")

func nodeConcurrency(o options) int {
	if o.nodeConc > 0 {
		return o.nodeConc
	}
	return o.n
}

// runNode runs the node peer against its own fake and Redis queue.
func runNode(ctx context.Context, o options, stderr io.Writer) (*Run, error) {
	if err := ensureNodePeer(ctx, o.nodeDir, stderr); err != nil {
		return nil, err
	}
	e := newEnv(o, modeNode, o.n)
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
	e.throttle.start()
	defer e.stopNode()
	return e.measure(ctx, stderr)
}

// ensureNodePeer installs the peer's npm packages (pinned in
// nodepeer/package.json) into dir unless they are there, and writes peer.js.
func ensureNodePeer(ctx context.Context, dir string, stderr io.Writer) error {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s is not installed (apt-get install nodejs npm)", errSkipped, tool)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pkg := filepath.Join(dir, "package.json")
	old, _ := os.ReadFile(pkg)
	_, errSDK := os.Stat(filepath.Join(dir, "node_modules", "basiq-sdk-nodejs", "package.json"))
	_, errMQ := os.Stat(filepath.Join(dir, "node_modules", "bullmq", "package.json"))
	if !bytes.Equal(old, nodePeerPackage) || errSDK != nil || errMQ != nil {
		if err := os.WriteFile(pkg, nodePeerPackage, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "node peer: npm install into %s\n", dir)
		ictx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ictx, "npm", "install", "--no-audit", "--no-fund", "--omit=dev")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%w: npm install in %s failed (is the npm registry reachable?): %v\n%s", errSkipped, dir, err, lastLines(out, 5))
		}
	}
	return os.WriteFile(filepath.Join(dir, "peer.js"), nodePeerJS, 0o644)
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return bytes.Join(lines[max(0, len(lines)-n):], []byte("\n"))
}

// peerLine is one line the peer prints.
type peerLine struct {
	T        string `json:"t"`
	At       int64  `json:"at"`
	From, To int
	I        int    `json:"i"`
	JobID    string `json:"jobId"`
	OK       bool   `json:"ok"`
	Error    string `json:"error"`
	Polls    int    `json:"polls"`
	Errors   int    `json:"errors"`
	Stalled  int    `json:"stalled"`
	First    string `json:"first"`
	Steps    []struct {
		Title, Status string
		At            int64
	} `json:"steps"`
}

// runNodePeer starts node peer.js, which enqueues the n jobs in BullMQ and
// processes them; each result line becomes a Result in col. It returns the
// first enqueue time and the enqueue times by task id ("node-<i>").
func (e *env) runNodePeer(ctx context.Context, col *collector, done *atomic.Int64) (time.Time, map[string]time.Time, error) {
	users := filepath.Join(e.o.nodeDir, e.id+"-users.json")
	b, _ := json.Marshal(e.users)
	if err := os.WriteFile(users, b, 0o600); err != nil {
		return time.Time{}, nil, err
	}
	defer os.Remove(users)
	cmd := exec.Command("node", "peer.js")
	cmd.Dir = e.o.nodeDir
	cmd.Env = append(os.Environ(), "BENCH_FAKE_URL="+e.fakeURL, "BENCH_API_KEY="+e.apiKey, "BENCH_REDIS_URL="+e.o.redisURL,
		"BENCH_PREFIX={"+e.id+"}", "BENCH_CONCURRENCY="+strconv.Itoa(nodeConcurrency(e.o)),
		"BENCH_INTERVAL_MS="+strconv.FormatInt(e.o.blockInterval.Milliseconds(), 10), "BENCH_USERS_FILE="+users)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return time.Time{}, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return time.Time{}, nil, err
	}
	if err := cmd.Start(); err != nil {
		return time.Time{}, nil, fmt.Errorf("start node: %w", err)
	}
	e.mu.Lock()
	e.node, e.nodeIn = cmd, stdin
	e.mu.Unlock()
	lines := make(chan peerLine, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l peerLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				lines <- l
			}
		}
	}()
	var start time.Time
	enq := make(map[string]time.Time, e.n)
	for {
		var l peerLine
		var ok bool
		select {
		case <-ctx.Done():
			return start, enq, ctx.Err()
		case l, ok = <-lines:
		}
		if !ok {
			return start, enq, fmt.Errorf("node peer exited early (%v)", cmd.Wait())
		}
		switch l.T {
		case "ready": // node's start-up (loading modules) is not the peer's work
			e.mu.Lock()
			e.nodeCPU0 = procCPU(cmd.Process.Pid)
			e.mu.Unlock()
		case "start":
			start = time.UnixMilli(l.At)
		case "enq":
			for i := l.From; i < l.To; i++ {
				enq["node-"+strconv.Itoa(i)] = time.UnixMilli(l.At)
			}
		case "result":
			col.add(nodeResult(l), time.UnixMilli(l.At))
			done.Add(1)
		case "done": // after the last result
			e.nodeTrouble = &BullMQTrouble{Errors: l.Errors, Stalled: l.Stalled, FirstError: l.First}
			return start, enq, nil
		}
	}
}

func nodeResult(l peerLine) *tasks.Result {
	r := &tasks.Result{TaskID: "node-" + strconv.Itoa(l.I), JobID: l.JobID, Polls: l.Polls, Outcome: tasks.OutcomeCompleted,
		FinishedAt: time.UnixMilli(l.At)}
	if !l.OK {
		r.Outcome, r.Error = tasks.OutcomeFailed, &tasks.ErrorInfo{Code: "node-error", Detail: l.Error}
	}
	for _, s := range l.Steps {
		r.Steps = append(r.Steps, tasks.StepObservation{Title: s.Title, Status: s.Status, ObservedAt: time.UnixMilli(s.At)})
		if s.Status == "failed" {
			r.Outcome = tasks.OutcomeFailed
		}
	}
	return r
}

// stopNode closes the peer's stdin (it then obliterates its queue and
// exits) and waits for it, 30 s at most.
func (e *env) stopNode() {
	e.mu.Lock()
	cmd, in := e.node, e.nodeIn
	e.mu.Unlock()
	if cmd == nil {
		return
	}
	in.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}

// BullMQTrouble is what BullMQ's worker reported during the node peer's run:
// errors (such as lock renewals that failed under load) and stalled jobs
// (given to another slot, their processor still running).
type BullMQTrouble struct {
	Errors     int    `json:"errors"`
	Stalled    int    `json:"stalled"`
	FirstError string `json:"firstError,omitempty"`
}
