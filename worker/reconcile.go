package worker

// Lost answers are reconciled, not given up. A create whose answer was
// lost (the worker killed mid-call, Redis away when the 202 came and for
// longer than persist waits) leaves its "sending" record. Its next run
// looks at Basiq before anything else: the user's connections of the
// institution created since the record, and the job that created each
// (the connection's first job), not followed by another task. One found is
// adopted and followed as if the answer had come; none means the create
// took no effect, and it is sent again. Both wait until ReconcileAfter has
// passed since the record, so that no other task's call is still in flight
// (its job would look like ours until that task records it). Several
// found, or a Basiq that cannot be asked, end as outcome-unknown.
// Refreshes and updates need no look-up: sent again, Basiq answers with the
// connection's running job.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// basiqClockSkew is how far Basiq's clock may be behind ours when matching
// its creation times (whole seconds) to a start record.
const basiqClockSkew = 2 * time.Second

// Reconcile actions, chosen by decideReconcile.
type reconcileAction int

const (
	reconcileAdopt   reconcileAction = iota // follow the one job found
	reconcileWait                           // look again once ReconcileAfter has passed
	reconcileResend                         // nothing at Basiq: send the call again
	reconcileExpired                        // nothing at Basiq and the deadline passed
	reconcileUnknown                        // several jobs match, or no time left to tell
)

// decideReconcile chooses what to do with a lost answer from the number of
// matching jobs found, how long ago the call was sent, and whether this is
// the task's last attempt. It only reads its inputs.
func decideReconcile(found int, elapsed, settle time.Duration, now, deadline time.Time, last bool) reconcileAction {
	settled := elapsed >= settle
	switch {
	case found == 1 && (settled || last):
		return reconcileAdopt
	case !settled && !last:
		return reconcileWait
	case found > 1 || !settled:
		return reconcileUnknown
	case !deadline.IsZero() && !now.Before(deadline):
		return reconcileExpired
	}
	return reconcileResend
}

// since is the earliest Basiq creation time that a call sent at sentAt can
// have: Basiq keeps whole seconds, and its clock may be a little behind.
func since(sentAt time.Time) time.Time { return sentAt.Truncate(time.Second).Add(-basiqClockSkew) }

// createCandidates are the connections of institution that may have been
// created by a call sent at sentAt. A connection whose creation date cannot
// be read stays a candidate: its first job's time decides.
func createCandidates(institution string, sentAt time.Time, conns []*sdk.Connection) []*sdk.Connection {
	var out []*sdk.Connection
	for _, c := range conns {
		if c.Institution == nil || c.Institution.ID != institution {
			continue
		}
		if at, err := time.Parse(time.RFC3339, c.CreatedDate); err == nil && at.Before(since(sentAt)) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// firstJob is the job that created a connection: the earliest of its jobs.
func firstJob(jobs []*sdk.Job) *sdk.Job {
	var first *sdk.Job
	for _, j := range jobs {
		if first == nil || j.Created.Before(first.Created) {
			first = j
		}
	}
	return first
}

// findCreate returns the jobs that a create of taskID sent at sentAt may
// have started: first jobs of new connections of the institution, created
// since sentAt and followed by no other task.
func (h *handlers) findCreate(ctx context.Context, taskID, userID, institution string, sentAt time.Time) ([]string, error) {
	conns, err := h.basiq.Connections(ctx, userID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range createCandidates(institution, sentAt, conns) {
		jobs, err := h.basiq.ConnectionJobs(ctx, userID, c.ID)
		if err != nil {
			return nil, err
		}
		j := firstJob(jobs)
		if j == nil || j.Created.Before(since(sentAt)) {
			continue
		}
		owner, err := h.rdb.HGet(ctx, h.followKey(j.ID), "owner").Result()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return nil, fmt.Errorf("read follower of job %s: %w", j.ID, err)
		case owner != taskID:
			continue // another task's job
		}
		ids = append(ids, j.ID)
	}
	return ids, nil
}

// reconcile settles a create whose answer was lost (see the top of file).
func (h *handlers) reconcile(ctx context.Context, t *asynq.Task, s start, a attempt, key string, rec startRecord) error {
	found, err := s.lookup(ctx, rec.At)
	if err != nil && !final(err, a) {
		return h.retry(ctx, a, err)
	}
	if err != nil {
		return h.publishUnknown(ctx, t, s.base, "Basiq could not be asked: "+err.Error())
	}
	now := h.now()
	elapsed := now.Sub(rec.At)
	log := zerolog.Ctx(ctx)
	switch decideReconcile(len(found), elapsed, h.reconcileAfter, now, s.base.Deadline, a.last) {
	case reconcileAdopt:
		rec = startRecord{State: stateStarted, Jobs: found, At: rec.At}
		save := func(ctx context.Context) error { return h.saveStart(ctx, key, rec) }
		if err := h.persist(ctx, "save start record", save); err != nil {
			return h.retry(ctx, a, err)
		}
		log.Info().Str("job_id", found[0]).Time("sent_at", rec.At).Msg("lost answer: adopted the job found at Basiq")
		return h.follow(ctx, t, s.base, a, rec.Jobs, rec.At)
	case reconcileWait:
		d := h.reconcileAfter - elapsed
		log.Info().Int("found", len(found)).Dur("delay", d).Msg("lost answer: looking at Basiq again later")
		return &retryError{class: classTransient, delay: d, err: errors.New("answer lost: waiting to look at Basiq")}
	case reconcileResend:
		log.Info().Time("sent_at", rec.At).Msg("lost answer: nothing at Basiq, sending again")
		return h.send(ctx, t, s, a, key)
	case reconcileExpired:
		e := expiredBeforeSend(s.base)
		e.Detail = "an earlier attempt left no job at Basiq; " + e.Detail
		return h.publish(ctx, t, "", result(s.base.work, tasks.OutcomeTimedOut, e))
	}
	return h.publishUnknown(ctx, t, s.base, fmt.Sprintf("%d jobs at Basiq match it (%s)", len(found), strings.Join(found, ", ")))
}

// publishUnknown publishes the outcome-unknown result of a create.
func (h *handlers) publishUnknown(ctx context.Context, t *asynq.Task, base pollPayload, why string) error {
	e := &tasks.ErrorInfo{Code: tasks.CodeOutcomeUnknown, Title: "Outcome of the Basiq call unknown",
		Detail: "an earlier attempt may have reached Basiq but its answer was lost; not sent twice: " + why}
	return h.publish(ctx, t, "", result(base.work, tasks.OutcomeFailed, e))
}
