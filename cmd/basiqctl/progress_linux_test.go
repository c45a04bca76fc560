package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// openPTY opens a pseudo-terminal: basiqctl writes to tty as to a
// terminal, the test reads what it drew from master.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlock pty: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("pty number: %v", e)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

// TestWait_progressTicks: on a terminal the progress line is redrawn while
// a step runs, its elapsed time counting up with no new event.
func TestWait_progressTicks(t *testing.T) {
	te := setup(t)
	te.idleServer(t)
	id := te.enqueueLater(t, te.queue)
	master, tty := openPTY(t)
	var drawn syncbuf.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			drawn.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncbuf.Buffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"basiqctl", "wait", id, "--timeout", "20s"}, te.getenv, strings.NewReader(""), tty, &stderr)
	}()
	pub := results.NewPublisher(te.rdb, results.WithNamespace(te.ns))
	steps := []tasks.StepObservation{{Title: "verify-credentials", Status: "in-progress"}}
	waitFor(t, func() bool {
		pub.Progress(ctx, tasks.Progress{TaskID: id, JobID: "j1", UserID: "u1", Steps: steps, Polls: 1})
		return strings.Contains(drawn.String(), "running")
	}, "progress line")
	// One event only; then the line must tick on its own.
	elapsed := regexp.MustCompile(`polls=1 (\d+)s`)
	start := time.Now()
	for seen := map[string]bool{}; len(seen) < 3; time.Sleep(50 * time.Millisecond) {
		for _, m := range elapsed.FindAllStringSubmatch(drawn.String(), -1) {
			seen[m[1]] = true
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("elapsed times drawn in 20s without new events: %v, want 3 different; drawn %q", seen, drawn.String())
		}
	}
	cancel()
	<-code
}
