package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// child is a worker process started by the benchmark.
type child struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // its exit error, once exited
	killed atomic.Bool   // killed on purpose (-crash-at): its exit is no failure
}

// startChildren starts o.workers copies of this executable with -worker-child and waits
// until each says it is ready.
func (e *env) startChildren(ctx context.Context) error {
	for k := range e.o.workers {
		c, err := e.startChild(ctx, k, os.Stderr)
		if c != nil {
			e.mu.Lock()
			e.children = append(e.children, c)
			e.mu.Unlock()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// startChild starts worker k and waits until it is ready; on error the
// child, if started, is returned too (for stopChildren).
func (e *env) startChild(ctx context.Context, k int, stderr io.Writer) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, e.childArgs(k)...)
	cmd.Env = append(os.Environ(), envKeyring+"="+e.keyring, envAPIKey+"="+e.apiKey)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker %d: %w", k, err)
	}
	c := &child{cmd: cmd, exited: make(chan struct{})}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := sc.Scan() && sc.Text() == "ready"
		ready <- ok
		for sc.Scan() {
		}
		c.err = cmd.Wait()
		close(c.exited)
	}()
	select {
	case ok := <-ready:
		if !ok {
			return c, fmt.Errorf("worker %d did not start", k)
		}
	case <-time.After(30 * time.Second):
		return c, fmt.Errorf("worker %d: not ready after 30s", k)
	case <-ctx.Done():
		return c, ctx.Err()
	}
	return c, nil
}

// watchChildren cancels the run when a worker exits before it is stopped.
func (e *env) watchChildren(ctx context.Context, cancel context.CancelCauseFunc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, c := range e.children {
		e.watch(ctx, i, c, cancel)
	}
}

func (e *env) watch(ctx context.Context, i int, c *child, cancel context.CancelCauseFunc) {
	go func() {
		select {
		case <-c.exited:
			if !c.killed.Load() {
				cancel(fmt.Errorf("worker %d exited early: %v", i, c.err))
			}
		case <-ctx.Done():
		}
	}()
}

func (e *env) childArgs(k int) []string {
	o := e.o
	args := []string{"-worker-child", "-child-mode", e.mode, "-child-ns", e.id, "-child-queue", e.id,
		"-child-basiq-url", e.fakeURL, "-redis-url", o.redisURL,
		"-concurrency", strconv.Itoa(o.concurrency), "-dequeuers", strconv.Itoa(o.dequeuers), "-follow-behind", o.followBehind.String(), "-worker-log=" + strconv.FormatBool(o.workerLog), "-idle-conns-per-host", strconv.Itoa(o.idlePerHost), "-blocking-interval", o.blockInterval.String(),
		"-poll-initial", o.policy.Initial.String(), "-poll-factor", fmt.Sprint(o.policy.Factor),
		"-poll-max", o.policy.Max.String(), "-poll-jitter", fmt.Sprint(o.policy.Jitter),
		"-poll-near", o.policy.Near.String(), "-poll-spread", fmt.Sprint(o.policy.Spread),
		"-delayed-check", o.delayedCheck.String(), "-task-check", o.taskCheck.String()}
	args = append(args, o.faults.childArgs()...)
	if o.cpuProfile != "" {
		p := o.cpuProfile
		if o.workers > 1 {
			p += "." + strconv.Itoa(k+1)
		}
		if e.mode == modeBlocking {
			p += ".blocking"
		}
		args = append(args, "-cpuprofile", p)
	}
	return args
}

// stopChildren sends SIGTERM to every child and waits for it (SIGKILL after 20 s).
func (e *env) stopChildren() {
	e.mu.Lock()
	cs := e.children
	e.mu.Unlock()
	for _, c := range cs {
		c.killed.Store(true)
		c.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, c := range cs {
		select {
		case <-c.exited:
		case <-time.After(20 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
		}
	}
}

// WorkerFigures are one worker process's own resource use, read from /proc while it runs.
type WorkerFigures struct {
	PID        int     `json:"pid"`
	PeakRSSMB  float64 `json:"peakRssMB"`
	RSSMB      float64 `json:"rssMB"`
	CPUSeconds float64 `json:"cpuSeconds"`
	// Killed is set on a worker killed by -crash-at (figures read just before).
	Killed bool `json:"killed,omitempty"`
}

func (c *child) figures() WorkerFigures {
	pid := c.cmd.Process.Pid
	w := WorkerFigures{PID: pid}
	w.PeakRSSMB, w.RSSMB = procMemory(pid)
	w.CPUSeconds = procCPU(pid)
	return w
}

// childFigures are the figures of the workers, those killed by -crash-at included.
func (e *env) childFigures() []WorkerFigures {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ws []WorkerFigures
	for _, w := range e.gone {
		w.Killed = true
		ws = append(ws, w)
	}
	for _, c := range e.children {
		ws = append(ws, c.figures())
	}
	if e.node != nil {
		pid := e.node.Process.Pid
		w := WorkerFigures{PID: pid, CPUSeconds: procCPU(pid) - e.nodeCPU0}
		w.PeakRSSMB, w.RSSMB = procMemory(pid)
		ws = append(ws, w)
	}
	return ws
}

// procMemory returns VmHWM and VmRSS of pid in MB.
func procMemory(pid int) (hwm, rss float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			hwm = kb / 1024
		case "VmRSS:":
			rss = kb / 1024
		}
	}
	return hwm, rss
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// procCPU returns utime+stime of pid in seconds.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	// After the command: state(3) ... utime(14) stime(15), so indexes 11 and 12 here.
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}
