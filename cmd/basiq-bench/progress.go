package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// startProgress shows done/n, the rate and the ETA on w: one redrawn line on a terminal,
// a plain line every 5 s otherwise. The returned func stops it.
func startProgress(w io.Writer, on bool, mode string, n int, done *atomic.Int64) func() {
	if !on {
		return func() {}
	}
	tty := stderrIsTerminal(w)
	every := 5 * time.Second
	if tty {
		every = 250 * time.Millisecond
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	start := time.Now()
	go func() {
		defer close(stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				if tty {
					fmt.Fprintf(w, "\r\033[K")
				}
				return
			case <-t.C:
				line := progressLine(mode, int(done.Load()), n, time.Since(start))
				if tty {
					fmt.Fprintf(w, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(w, line)
				}
			}
		}
	}()
	return func() { close(stop); <-stopped }
}

func progressLine(mode string, d, n int, el time.Duration) string {
	rate := float64(d) / el.Seconds()
	eta := "?"
	if rate > 0 {
		eta = time.Duration(float64(n-d) / rate * float64(time.Second)).Truncate(time.Second).String()
	}
	return fmt.Sprintf("%s: %d/%d results  %.0f/s  elapsed %s  eta %s", mode, d, n, rate, el.Truncate(time.Second), eta)
}
