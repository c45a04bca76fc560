package scaleout

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/schedule"
)

// child is a worker process started from the test binary (runChild).
type child struct {
	cmd    *exec.Cmd
	stderr *syncbuf.Buffer
}

// startChild starts a worker process with env and waits for its "ready".
func startChild(t *testing.T, env map[string]string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{cmd: cmd, stderr: &syncbuf.Buffer{}}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ready <- sc.Scan() && sc.Text() == "ready"
		for sc.Scan() {
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("worker child did not start: %s", c.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("worker child not ready within 20s: %s", c.stderr.String())
	}
	return c
}

// enqueued counts the refreshes this process enqueued.
func (c *child) enqueued() int { return strings.Count(c.stderr.String(), "scheduled refresh enqueued") }

// TestSchedule_threeWorkers: three worker processes run a refresh schedule
// (every 1.5s); each tick refreshes once (one result, one call to Basiq);
// one process is killed (SIGKILL) and the other two carry on.
func TestSchedule_threeWorkers(t *testing.T) {
	t.Parallel()
	testredis.Client(t)
	ctx := context.Background()
	q := testredis.Queue(t, "ha")
	st := newStack(t, "redis://"+testredis.Addr()+"/0", []string{q})
	testredis.CleanupNamespace(t, st.ns)
	st.env["LOG_LEVEL"] = "info"
	user := st.users(ctx, 1)[0]
	api, _ := sdk.New("scaleout-key", sdk.WithBaseURL(st.fake.URL), sdk.WithAPIVersion("2.0"))
	job, err := api.Users.For(user).CreateConnection(ctx, sdk.Credentials{Institution: "AU00000", LoginID: "gavinBelson", Password: "hooli2016"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := api.Jobs.For(job.ID).WaitForTransactions(ctx, sdk.WaitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	client := tasks.NewClient(st.app, nil, tasks.WithNamespace(st.ns), tasks.WithMinRefreshInterval(time.Second))
	if _, err := client.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: user, ConnectionID: conn.ID, Interval: 1500 * time.Millisecond, Queue: q}); err != nil {
		t.Fatal(err)
	}
	list, err := client.ListRefreshSchedules(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("schedules = %v, %v", list, err)
	}
	sc := list[0]

	children := []*child{startChild(t, st.env), startChild(t, st.env), startChild(t, st.env)}
	killAt := sc.CreatedAt.Add(4*sc.Interval + sc.Interval/2) // mid-interval: its refresh is done
	time.Sleep(time.Until(killAt))
	killedTick := schedule.Tick(sc, time.Now())
	if err := children[0].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = children[0].cmd.Wait()
	before := children[1].enqueued() + children[2].enqueued()
	time.Sleep(time.Until(sc.CreatedAt.Add(9*sc.Interval + sc.Interval/2)))
	last := schedule.Tick(sc, time.Now())
	for _, c := range children[1:] { // both at once: a late one could enqueue tick last+1
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, c := range children[1:] {
		_ = c.cmd.Wait()
	}
	if after := children[1].enqueued() + children[2].enqueued(); after <= before {
		t.Errorf("after the kill at tick %d the two other workers enqueued nothing (%d before, %d after)", killedTick, before, after)
	}
	checkTicks(t, st, sc, last)
	t.Logf("ticks 1..%d; refreshes enqueued per process: %d (killed at tick %d), %d, %d",
		last, children[0].enqueued(), killedTick, children[1].enqueued(), children[2].enqueued())
}

// checkTicks: ticks 1..last-1 each have exactly one completed result (the
// refresh of tick last may have been cut short by the shutdown), and Basiq
// got one refresh call per tick.
func checkTicks(t *testing.T, st *stack, sc tasks.RefreshSchedule, last int64) {
	t.Helper()
	ids := make([]string, last-1)
	for n := int64(1); n < last; n++ {
		ids[n-1] = schedule.TickTaskID(sc, n)
	}
	got := st.results(context.Background(), ids, 15*time.Second, 0)
	for _, id := range ids {
		if rs := got[id]; len(rs) != 1 || rs[0].Outcome != tasks.OutcomeCompleted {
			t.Errorf("tick %s: results %+v, want one completed", id, rs)
		}
	}
	delete(got, schedule.TickTaskID(sc, last))
	if extra := len(got) - len(ids); extra > 0 {
		t.Errorf("%d results besides the ticks 1..%d: %v", extra, last, keys(got))
	}
	calls := 0
	for _, n := range st.fake.Stats().Requests["POST /users/{uid}/connections/{cid}/refresh"] {
		calls += n
	}
	if calls != int(last) && calls != int(last)-1 {
		t.Errorf("Basiq got %d refresh calls for %d ticks, want one per tick: %v", calls, last, st.fake.Stats().Requests)
	}
}

func keys(m map[string][]tasks.Result) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return fmt.Sprint(ks)
}
