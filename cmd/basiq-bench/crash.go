package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// Crash is what -crash-at measured: the (first) worker killed with SIGKILL
// once that share of the results was in, and a new one started at once.
type Crash struct {
	AtShare float64 `json:"atShare"`
	// KilledAfterS runs from the first enqueue to the kill.
	KilledAfterS   float64 `json:"killedAfterSeconds"`
	DoneAtKill     int     `json:"resultsAtKill"`
	InFlightAtKill int     `json:"inFlightAtKill"`
	// RestartReadyS runs from the kill to the new worker being ready.
	RestartReadyS float64 `json:"restartReadySeconds"`
	// CreatesSent are the POST /users/{uid}/connections the fake answered;
	// CreatesResent those beyond one per connection; UsersWithSeveralJobs the
	// connections that got more than one Basiq job.
	CreatesSent          int `json:"createsSent"`
	CreatesResent        int `json:"createsResent"`
	UsersWithSeveralJobs int `json:"usersWithSeveralJobs"`
	// OutcomeUnknown counts results whose error code is outcome-unknown: a
	// create the worker could not tell was sent or not.
	OutcomeUnknown int `json:"outcomeUnknown"`
	// SurvivorsS runs from the kill to the last result; Survivors is, for each
	// task without a result at the kill, the kill to its result.
	SurvivorsS float64 `json:"survivorsSeconds"`
	Survivors  Pct     `json:"survivorsMs"`
	killedAt   time.Time
}

// crashAt kills the first worker with SIGKILL when o.crashAt of the results
// are in and starts its replacement; the channel gives the Crash (nil if the
// run ended first).
func (e *env) crashAt(ctx context.Context, cancel context.CancelCauseFunc, start time.Time, done *atomic.Int64) chan *Crash {
	out := make(chan *Crash, 1)
	at := int64(math.Ceil(e.o.crashAt * float64(e.n)))
	go func() {
		defer close(out)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for done.Load() < at {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		e.mu.Lock()
		c := e.children[0]
		e.mu.Unlock()
		c.killed.Store(true)
		cr := &Crash{AtShare: e.o.crashAt, DoneAtKill: int(done.Load())}
		w := c.figures()
		c.cmd.Process.Signal(syscall.SIGKILL)
		cr.killedAt = time.Now()
		cr.KilledAfterS = cr.killedAt.Sub(start).Seconds()
		cr.InFlightAtKill = e.n - cr.DoneAtKill
		<-c.exited
		nc, err := e.startChild(ctx, 0, io.Discard)
		if err != nil {
			cancel(fmt.Errorf("restart after the crash: %w", err))
			return
		}
		cr.RestartReadyS = time.Since(cr.killedAt).Seconds()
		e.mu.Lock()
		e.gone = append(e.gone, w)
		e.children[0] = nc
		e.mu.Unlock()
		e.watch(ctx, 0, nc, cancel)
		out <- cr
	}()
	return out
}

// fill computes the crash's cost once the run is over.
func (c *Crash) fill(r *Run, col *collector, st basiqtest.Stats, n int) {
	c.CreatesSent = r.Requests["POST /users/{uid}/connections"]
	c.CreatesResent = c.CreatesSent - n
	jobs := map[string]int{}
	for _, j := range st.Jobs {
		if jobs[j.UserID]++; jobs[j.UserID] == 2 {
			c.UsersWithSeveralJobs++
		}
	}
	for _, res := range col.results {
		if res.Error != nil && res.Error.Code == tasks.CodeOutcomeUnknown {
			c.OutcomeUnknown++
		}
	}
	var ds []time.Duration
	for _, at := range col.seenAt {
		if at.After(c.killedAt) {
			ds = append(ds, at.Sub(c.killedAt))
		}
	}
	c.Survivors = pct(ds)
	c.SurvivorsS = col.last.Sub(c.killedAt).Seconds()
}

func (c *Crash) table(w io.Writer) {
	fmt.Fprintf(w, "crash: kill -9 of the worker at %.0f%% of the results (%.2f s after the first enqueue, %d in flight); new worker ready %.2f s later\n",
		100*c.AtShare, c.KilledAfterS, c.InFlightAtKill, c.RestartReadyS)
	fmt.Fprintf(w, "  creates sent %d: %d resent, %d connections with more than one Basiq job; %d results outcome-unknown\n",
		c.CreatesSent, c.CreatesResent, c.UsersWithSeveralJobs, c.OutcomeUnknown)
	fmt.Fprintf(w, "  survivors: kill to the last result %.1f s; kill to each result p50 %.1f s, p99 %.1f s (n=%d)\n",
		c.SurvivorsS, c.Survivors.P50/1000, c.Survivors.P99/1000, c.Survivors.N)
}
