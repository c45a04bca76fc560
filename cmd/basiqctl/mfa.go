package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// mfaCheckEvery is how often mfa looks at its task while it waits.
const mfaCheckEvery = 200 * time.Millisecond

// runMFA enqueues the answers, then waits for the worker to send them: a
// worker refuses an answer (a finished or unknown job) only in its task's
// state, so mfa reads that state and reports the refusal itself.
func runMFA(ctx context.Context, e env, args []string) error {
	var user, job string
	var answers stringList
	var wait, grace time.Duration
	return enqueueCmd(ctx, e, "mfa", "--user U --job J --answer A [--answer A2] [--wait 30s]", args, true,
		func(fs *flag.FlagSet) func() error {
			fs.StringVar(&user, "user", "", "Basiq user id")
			fs.StringVar(&job, "job", "", "Basiq job id (from the mfa_required event)")
			fs.Var(&answers, "answer", "an answer (repeat for several security questions)")
			fs.DurationVar(&wait, "wait", 30*time.Second, "wait this long for the worker to send the answer to Basiq (exit code 4 after); 0 only enqueues")
			registerUnserved(fs, &grace)
			return func() error {
				if err := requireFlags("mfa", "user", user, "job", job); err != nil {
					return err
				}
				if len(answers) == 0 {
					return usagef("mfa: --answer is required")
				}
				return nil
			}
		},
		func(ctx context.Context, c *tasks.Client, opts []tasks.Enqueue) (string, error) {
			id, err := c.AnswerMFA(ctx, tasks.AnswerMFA{UserID: user, JobID: job, Answers: answers}, opts...)
			if err != nil || wait <= 0 {
				return id, err
			}
			insp, err := newInspector(e)
			if err != nil {
				return "", err
			}
			defer insp.Close()
			return id, awaitMFA(ctx, newTaskProbe(insp, grace), id, job, wait)
		})
}

// awaitMFA follows MFA answer task id until the worker has sent it to
// Basiq (nil), refused it (its reason), wait is over (exit code 4) or no
// worker will take it.
func awaitMFA(ctx context.Context, probe *taskProbe, id, job string, wait time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(mfaCheckEvery)
	defer tick.Stop()
	for {
		info, err := probe.find(id)
		switch {
		case err != nil:
			return fmt.Errorf("mfa: answer enqueued as task %s, but its state cannot be read: %w", id, err)
		case info == nil:
			return fmt.Errorf("mfa: task %s (the answer to job %s) was deleted before a worker sent it", id, job)
		case info.State == asynq.TaskStateCompleted:
			return nil
		case info.State == asynq.TaskStateArchived:
			return fmt.Errorf("mfa: the worker refused the answer to job %s (task %s): %s", job, id, workerReason(info.LastErr))
		}
		if err := probe.stuck(info); err != nil {
			return fmt.Errorf("mfa: the answer to job %s is not sent: %w; it stays queued for a worker that starts later", job, err)
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return exitError{exitWaitOver, fmt.Errorf("mfa: the answer to job %s is not sent after %s: task %s is %s%s",
				job, wait, id, info.State, lastErr(info))}
		case <-tick.C:
		}
	}
}

// workerReason is a task's last error without asynq's retry marker.
func workerReason(lastErr string) string {
	return strings.TrimSuffix(lastErr, ": "+asynq.SkipRetry.Error())
}

func lastErr(info *asynq.TaskInfo) string {
	if info.LastErr == "" {
		return ""
	}
	return " (last error: " + workerReason(info.LastErr) + ")"
}

// registerUnserved adds --unserved: how long a task's queue may have no
// running worker before wait or mfa gives up.
func registerUnserved(fs *flag.FlagSet, grace *time.Duration) {
	fs.DurationVar(grace, "unserved", 5*time.Second,
		"fail (exit code 1) once the task's queue has had no running worker, or been paused, this long; 0 keeps waiting")
}
