package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

func runSchedule(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("schedule: want add, list or rm")
	}
	switch args[0] {
	case "add":
		return scheduleAdd(ctx, e, args[1:])
	case "list", "ls":
		return scheduleList(ctx, e, args[1:])
	case "rm", "remove":
		return scheduleRemove(ctx, e, args[1:])
	}
	return usagef("schedule: unknown subcommand %q (want add, list or rm)", args[0])
}

func scheduleAdd(ctx context.Context, e env, args []string) error {
	fs, asJSON := newFlags(e, "schedule add", "--user U [--connection C] --every 6h [--queue Q]")
	user := fs.String("user", "", "Basiq user id")
	conn := fs.String("connection", "", "refresh only this connection (default: all of the user's)")
	every := fs.Duration("every", 0, "interval between refreshes (at least 1m)")
	queue := fs.String("queue", "", "asynq queue of the refreshes")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("schedule add", pos); err != nil {
		return err
	}
	if err := requireFlags("schedule add", "user", *user); err != nil {
		return err
	}
	if *every < tasks.MinRefreshInterval {
		return usagef("schedule add: --every must be at least %s", tasks.MinRefreshInterval)
	}
	c, rdb, err := newClient(e, false)
	if err != nil {
		return err
	}
	defer rdb.Close()
	id, err := c.ScheduleRefresh(ctx, tasks.RefreshSchedule{UserID: *user, ConnectionID: *conn, Interval: *every, Queue: *queue})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, map[string]string{"id": id})
	}
	fmt.Fprintln(e.stdout, id)
	return nil
}

func scheduleList(ctx context.Context, e env, args []string) error {
	fs, asJSON := newFlags(e, "schedule list", "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("schedule list", pos); err != nil {
		return err
	}
	c, rdb, err := newClient(e, false)
	if err != nil {
		return err
	}
	defer rdb.Close()
	list, err := c.ListRefreshSchedules(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, schedulesJSON(list))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEVERY\tQUEUE\tSINCE")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, s.Interval, s.Queue, s.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func scheduleRemove(ctx context.Context, e env, args []string) error {
	fs, _ := newFlags(e, "schedule rm", "ID")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("schedule rm: want exactly one schedule ID")
	}
	c, rdb, err := newClient(e, false)
	if err != nil {
		return err
	}
	defer rdb.Close()
	return c.UnscheduleRefresh(ctx, pos[0])
}

// scheduleJSON is a refresh schedule as schedule list --json prints it: the
// interval as a Go duration ("6h0m0s", what --every takes), not the
// nanoseconds that time.Duration marshals to.
type scheduleJSON struct {
	ID           string    `json:"id"`
	UserID       string    `json:"userId"`
	ConnectionID string    `json:"connectionId,omitempty"`
	Interval     string    `json:"interval"`
	Queue        string    `json:"queue,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
}

func schedulesJSON(list []tasks.RefreshSchedule) []scheduleJSON {
	out := make([]scheduleJSON, 0, len(list))
	for _, s := range list {
		out = append(out, scheduleJSON{ID: s.ID, UserID: s.UserID, ConnectionID: s.ConnectionID, Interval: s.Interval.String(),
			Queue: s.Queue, CreatedAt: s.CreatedAt})
	}
	return out
}
