package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/basiq-worker/basiq-worker/tasks"
)

const tailUsage = "[--from $|0|STREAM_ID] | --count N [--from 0|STREAM_ID | --follow]"

// runTail prints the results stream. Without --count it follows the stream
// from --from until Ctrl-C. With --count N it prints at most N of the
// events already on the stream, like tail -n: the last N, or the first N
// after --from; then it exits, or with --follow keeps following new events.
func runTail(ctx context.Context, e env, args []string) error {
	fs, asJSON := newFlags(e, "tail", tailUsage,
		"Without --count: print the events after --from and follow new ones until Ctrl-C.",
		"With --count N: print at most N of the events already on the stream, like tail -n: the last N,",
		"or the first N after --from; then exit (also when the stream holds fewer than N), or with",
		"--follow go on printing new events until Ctrl-C.")
	from := fs.String("from", "$", `start after this stream position: "$" new events only (with --count: the last N), "0" from the start, or a stream id`)
	count := fs.Int("count", 0, "print at most N of the events already on the stream, then exit (0: follow until Ctrl-C)")
	follow := fs.Bool("follow", false, "with --count: after the last N events, follow new ones until Ctrl-C")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("tail", pos); err != nil {
		return err
	}
	switch {
	case *count < 0:
		return usagef("tail: --count must be >= 0")
	case *follow && *count > 0 && *from != "$":
		return usagef("tail: --count N --follow starts with the last N events; it takes no --from")
	}
	c, err := loadConfig(e)
	if err != nil {
		return err
	}
	rdb := c.RedisClient()
	defer rdb.Close()
	t := tailer{e: e, sub: tasks.NewClient(rdb, nil, tasks.WithNamespace(c.RedisNamespace)), json: *asJSON}
	if *count == 0 {
		return t.follow(ctx, *from)
	}
	last, err := t.existing(ctx, *from, *count)
	if err != nil || !*follow {
		return err
	}
	return t.follow(ctx, last)
}

// tailer prints events of one namespace's results stream.
type tailer struct {
	e    env
	sub  *tasks.Client
	json bool
}

func (t tailer) follow(ctx context.Context, after string) error {
	for ev, err := range t.sub.Results(ctx, after) {
		if err != nil {
			return err
		}
		if err := printEvent(t.e, ev, t.json); err != nil {
			return err
		}
	}
	return nil
}

// existing prints at most n of the events on the stream now: the last n
// when from is "$", else the first n after from. It returns the stream
// position to follow on from.
func (t tailer) existing(ctx context.Context, from string, n int) (string, error) {
	newest, err := t.sub.LastResults(ctx, n+1) // oldest first
	if err != nil {
		return "", fmt.Errorf("tail: %w", err)
	}
	if len(newest) == 0 {
		return "0-0", nil
	}
	end := newest[len(newest)-1].StreamID
	if from == "$" {
		from = "0-0"
		if len(newest) > n {
			from = newest[0].StreamID
		}
	}
	for printed := 0; printed < n; {
		events, err := t.sub.ReadResults(ctx, from, min(n-printed, 100), 0)
		if err != nil || len(events) == 0 {
			return from, err
		}
		for _, ev := range events {
			if streamAfter(ev.StreamID, end) {
				return from, nil // published after tail started
			}
			if err := printEvent(t.e, ev, t.json); err != nil {
				return from, err
			}
			from = ev.StreamID
			if printed++; printed == n {
				break
			}
		}
	}
	return from, nil
}

// streamAfter reports whether stream id a comes after b ("ms-seq" ids).
func streamAfter(a, b string) bool {
	am, as := splitStreamID(a)
	bm, bs := splitStreamID(b)
	return am > bm || am == bm && as > bs
}

func splitStreamID(id string) (ms, seq uint64) {
	m, s, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(m, 10, 64)
	seq, _ = strconv.ParseUint(s, 10, 64)
	return ms, seq
}
func printEvent(e env, ev tasks.Event, asJSON bool) error {
	if asJSON {
		return printJSON(e.stdout, struct {
			StreamID string `json:"streamId"`
			tasks.Event
		}{ev.StreamID, ev})
	}
	var line string
	switch {
	case ev.Result != nil:
		line = formatResult(ev.Result)
	case ev.MFA != nil:
		line = fmt.Sprintf("%-9s task=%s user=%s job=%s method=%s expires=%s", "mfa", ev.MFA.TaskID, ev.MFA.UserID, ev.MFA.JobID,
			ev.MFA.Method, ev.MFA.ExpiresAt.Format("15:04:05"))
	default:
		line = "(undecodable entry)"
	}
	_, err := fmt.Fprintf(e.stdout, "%s %s\n", ev.StreamID, line)
	return err
}
