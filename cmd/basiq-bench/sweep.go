package main

import (
	"context"
	"fmt"
	"io"
)

// runSweep runs the scheduled mode once per step setting of -sweep-steps and policy of
// -sweep-policies and prints, for each, polls per job against detection latency.
func runSweep(ctx context.Context, o options, stdout, stderr io.Writer) error {
	policies, err := parsePolicies(o.sweepPolicies)
	if err != nil {
		return err
	}
	steps, err := parseSteps(o.sweepSteps, o)
	if err != nil {
		return err
	}
	rep := newReport(ctx, o)
	for _, sc := range steps {
		o.steps, o.jitter, o.spread = sc.steps, sc.jitter, sc.spread
		for _, p := range policies {
			o.policy = p
			r, err := runOnce(ctx, o, modeScheduled, o.n, stderr)
			if err != nil {
				return fmt.Errorf("steps %s, policy %s: %w", sc, policyString(p), err)
			}
			fmt.Fprintf(stderr, "steps %s, policy %s: polls/job %.2f, p99 %.0f ms\n", sc, r.Policy, r.PollsPerJob, r.Detection["all steps"].P99)
			rep.Sweep = append(rep.Sweep, r)
		}
	}
	return rep.write(o, stdout)
}
