package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

func runWait(ctx context.Context, e env, args []string) error {
	fs, asJSON := newFlags(e, "wait", "TASK_ID [--timeout 10m]")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long (exit code 4); 0 waits forever")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("wait: want exactly one TASK_ID, got %d arguments", len(pos))
	}
	sub, rdb, err := newSubscriber(e)
	if err != nil {
		return err
	}
	defer rdb.Close()
	wctx, cancel := contextWithTimeout(ctx, *timeout)
	defer cancel()
	view := newProgressView(e.stdout, *asJSON)
	for ev, err := range sub.Follow(wctx, pos[0]) {
		if err != nil {
			view.end()
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				return exitError{exitWaitOver, fmt.Errorf("wait %s: no result after %s", pos[0], *timeout)}
			}
			return err
		}
		if err := view.show(ev); err != nil {
			return err
		}
		if ev.Type == tasks.EventResult {
			return outcomeExit(ev.Result)
		}
	}
	return nil
}

// outcomeExit maps a result to the exit code of wait.
func outcomeExit(r *tasks.Result) error {
	switch r.Outcome {
	case tasks.OutcomeCompleted:
		return nil
	case tasks.OutcomeTimedOut:
		return exitError{exitTimedOut, errors.New("")}
	}
	return exitError{exitFailed, errors.New("")}
}

// progressView prints a task's events: JSON lines, one plain line per
// event, or on a terminal one line redrawn in place.
type progressView struct {
	w        io.Writer
	json     bool
	terminal bool
	drawn    bool
	start    time.Time
}

func newProgressView(w io.Writer, asJSON bool) *progressView {
	return &progressView{w: w, json: asJSON, terminal: !asJSON && isTerminal(w), start: time.Now()}
}

func (v *progressView) show(ev tasks.Event) error {
	if v.json {
		return printJSON(v.w, ev)
	}
	var line string
	switch {
	case ev.Progress != nil:
		line = fmt.Sprintf("%-9s job=%s %s polls=%d", "running", ev.Progress.JobID, stepsLine(ev.Progress.Steps), ev.Progress.Polls)
	case ev.MFA != nil:
		line = fmt.Sprintf("%-9s job=%s %s challenge: %s (answer with: basiqctl mfa --user %s --job %s --answer ...)",
			"mfa", ev.MFA.JobID, ev.MFA.Method, ev.MFA.Description, ev.MFA.UserID, ev.MFA.JobID)
	case ev.Result != nil:
		v.end()
		_, err := fmt.Fprintln(v.w, formatResult(ev.Result))
		return err
	default:
		return nil
	}
	if v.terminal && ev.Progress != nil {
		_, err := fmt.Fprintf(v.w, "\r\033[K%s %s", line, time.Since(v.start).Round(time.Second))
		v.drawn = true
		return err
	}
	v.end()
	_, err := fmt.Fprintln(v.w, line)
	return err
}

// end finishes a line drawn in place.
func (v *progressView) end() {
	if v.drawn {
		fmt.Fprintln(v.w)
		v.drawn = false
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
		if r.Error.Title != "" {
			fmt.Fprintf(&b, " (%s)", r.Error.Title)
		}
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
