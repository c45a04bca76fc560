package main

import (
	"context"
	"fmt"

	"github.com/basiq-worker/basiq-worker/tasks"
)

func runTail(ctx context.Context, e env, args []string) error {
	fs, asJSON := newFlags(e, "tail", "[--from $|0|STREAM_ID] [--count N]")
	from := fs.String("from", "$", `start after this stream position: "$" new events only, "0" from the start, or a stream id`)
	count := fs.Int("count", 0, "stop after N events (0: follow until Ctrl-C)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("tail", pos); err != nil {
		return err
	}
	if *count < 0 {
		return usagef("tail: --count must be >= 0")
	}
	sub, rdb, err := newSubscriber(e)
	if err != nil {
		return err
	}
	defer rdb.Close()
	n := 0
	for ev, err := range sub.Events(ctx, *from) {
		if err != nil {
			return err
		}
		if err := printEvent(e, ev, *asJSON); err != nil {
			return err
		}
		if n++; *count > 0 && n >= *count {
			return nil
		}
	}
	return nil
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
