package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/hibiken/asynq"
)

// queueStats is one queue's line of stats.
type queueStats struct {
	Queue     string `json:"queue"`
	Paused    bool   `json:"paused"`
	Pending   int    `json:"pending"`
	Active    int    `json:"active"`
	Scheduled int    `json:"scheduled"`
	Retry     int    `json:"retry"`
	Archived  int    `json:"archived"`
	Completed int    `json:"completed"`
	Processed int    `json:"processedToday"`
	Failed    int    `json:"failedToday"`
}

func runStats(ctx context.Context, e env, args []string) error {
	fs, asJSON := newFlags(e, "stats", "[--queue Q]")
	only := fs.String("queue", "", "show only this queue")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("stats", pos); err != nil {
		return err
	}
	c, err := loadConfig(e)
	if err != nil {
		return err
	}
	insp := asynq.NewInspector(c.RedisConnOpt())
	defer insp.Close()
	names, err := insp.Queues()
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	if *only != "" {
		names = []string{*only}
	}
	sort.Strings(names)
	out := make([]queueStats, 0, len(names))
	for _, q := range names {
		info, err := insp.GetQueueInfo(q)
		if err != nil {
			return fmt.Errorf("stats %s: %w", q, err)
		}
		out = append(out, queueStats{Queue: q, Paused: info.Paused, Pending: info.Pending, Active: info.Active,
			Scheduled: info.Scheduled, Retry: info.Retry, Archived: info.Archived, Completed: info.Completed,
			Processed: info.Processed, Failed: info.Failed})
	}
	if *asJSON {
		return printJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "QUEUE\tPENDING\tACTIVE\tSCHEDULED\tRETRY\tARCHIVED\tCOMPLETED\tPROCESSED TODAY\tFAILED TODAY\t")
	for _, s := range out {
		name := s.Queue
		if s.Paused {
			name += " (paused)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, s.Pending, s.Active, s.Scheduled, s.Retry, s.Archived,
			s.Completed, s.Processed, s.Failed)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "no queues yet")
	}
	return tw.Flush()
}
