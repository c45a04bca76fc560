package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// redrawEvery is how often the progress line is redrawn on a terminal, so
// that its elapsed time counts up while a long step runs.
const redrawEvery = time.Second

// progressView prints a task's events: JSON lines, one plain line per
// event, or on a terminal one line redrawn in place. Its methods are safe
// for concurrent use (tick redraws while show prints).
type progressView struct {
	w        io.Writer
	json     bool
	terminal bool
	start    time.Time
	mu       sync.Mutex
	drawn    string // the progress line on screen, without its elapsed time
}

func newProgressView(w io.Writer, asJSON bool) *progressView {
	return &progressView{w: w, json: asJSON, terminal: !asJSON && isTerminal(w), start: time.Now()}
}

func (v *progressView) show(ev tasks.Event) error {
	if v.json {
		return printJSON(v.w, ev)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var line string
	switch {
	case ev.Progress != nil:
		line = fmt.Sprintf("%-9s job=%s %s polls=%d", "running", ev.Progress.JobID, stepsLine(ev.Progress.Steps), ev.Progress.Polls)
	case ev.MFA != nil:
		line = fmt.Sprintf("%-9s job=%s %s challenge: %s (answer with: basiqctl mfa --user %s --job %s --answer ...)",
			"mfa", ev.MFA.JobID, ev.MFA.Method, ev.MFA.Description, ev.MFA.UserID, ev.MFA.JobID)
	case ev.Result != nil:
		v.endLocked()
		_, err := fmt.Fprintln(v.w, formatResult(ev.Result))
		return err
	default:
		return nil
	}
	if v.terminal && ev.Progress != nil {
		v.drawn = line
		return v.redrawLocked()
	}
	v.endLocked()
	_, err := fmt.Fprintln(v.w, line)
	return err
}

// tick redraws the progress line every redrawEvery until ctx ends.
func (v *progressView) tick(ctx context.Context) {
	if !v.terminal {
		return
	}
	t := time.NewTicker(redrawEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			v.mu.Lock()
			if v.drawn != "" {
				v.redrawLocked()
			}
			v.mu.Unlock()
		}
	}
}

func (v *progressView) redrawLocked() error {
	_, err := fmt.Fprintf(v.w, "\r\033[K%s %s", v.drawn, time.Since(v.start).Round(time.Second))
	return err
}

// end finishes a line drawn in place.
func (v *progressView) end() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.endLocked()
}

func (v *progressView) endLocked() {
	if v.drawn != "" {
		fmt.Fprintln(v.w)
		v.drawn = ""
	}
}

// stepsLine shows each step's latest status: "verify-credentials:success retrieve-accounts:in-progress".
func stepsLine(obs []tasks.StepObservation) string {
	var order []string
	last := map[string]string{}
	for _, s := range obs {
		if _, ok := last[s.Title]; !ok {
			order = append(order, s.Title)
		}
		last[s.Title] = s.Status
	}
	parts := make([]string, 0, len(order))
	for _, t := range order {
		parts = append(parts, t+":"+last[t])
	}
	if len(parts) == 0 {
		return "steps=-"
	}
	return "steps=" + strings.Join(parts, ",")
}

// formatResult is one readable line: outcome, user, connection, job, steps, polls, duration.
func formatResult(r *tasks.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s task=%s user=%s connection=%s job=%s %s polls=%d accounts=%d duration=%s", r.Outcome, r.TaskID,
		r.UserID, dash(r.ConnectionID), dash(r.JobID), stepsLine(r.Steps), r.Polls, len(r.Accounts),
		r.FinishedAt.Sub(r.StartedAt).Round(100*time.Millisecond))
	if r.Error != nil {
		fmt.Fprintf(&b, " error=%s", r.Error.Code)
		if r.Error.Step != "" {
			fmt.Fprintf(&b, "@%s", r.Error.Step)
		}
		if msg := errorText(r.Error); msg != "" {
			fmt.Fprintf(&b, " (%s)", msg)
		}
	}
	return b.String()
}

// errorText is Basiq's title and detail: "Parameter value is not valid:
// Requested institution does not exist.", or whichever of them is set.
func errorText(e *tasks.ErrorInfo) string {
	switch {
	case e.Title == "" || e.Detail == e.Title:
		return e.Detail
	case e.Detail == "":
		return e.Title
	}
	return e.Title + ": " + e.Detail
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
