package worker

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// startTTL is how long the record of the jobs a task started is kept: well
// past any retry or re-delivery of the task.
const startTTL = 7 * 24 * time.Hour

// Start record states.
const (
	stateSending = "sending" // the call to Basiq is under way or its answer was lost
	stateStarted = "started" // Basiq answered with Jobs
)

// startRecord is the Redis record "task X started Basiq jobs J...", written
// before the first poll is scheduled, so a re-delivered task resumes
// following J instead of starting another job.
type startRecord struct {
	State string    `json:"state"`
	Jobs  []string  `json:"jobs,omitempty"`
	At    time.Time `json:"at"`
}

func (h *handlers) startKey(taskID string) string { return keys.Start(h.ns, taskID) }

// start is what the create, update, refresh and refresh-all handlers share.
type start struct {
	base pollPayload // the identity of the work: task, user, institution, connection, deadline
	// call makes the Basiq call that starts the job(s).
	call func(ctx context.Context) ([]*sdk.Job, error)
	// resend reports whether the call may be sent again when its outcome is
	// unknown: false for a create (never two connections), true for calls
	// Basiq makes idempotent enough (a refresh returns the running job).
	resend bool
	// lookup finds at Basiq the jobs a call sent at sentAt that lost its
	// answer may have started (reconcile.go); set when resend is false.
	lookup func(ctx context.Context, sentAt time.Time) ([]string, error)
}

// Start actions, chosen by decideStart from the task's start record.
type startAction int

const (
	startSend    startAction = iota // nothing sent yet: make the call
	startResume                     // Basiq answered an earlier run: follow its jobs
	startUnknown                    // an earlier run may have reached Basiq and its answer was lost
	startExpired                    // the deadline passed before anything was sent: do not send
)

// decideStart chooses what a start task does. It only reads its inputs, so
// it is tested by table.
func decideStart(rec startRecord, resend bool, now, deadline time.Time) startAction {
	switch {
	case rec.State == stateStarted:
		return startResume
	case rec.State == stateSending && !resend:
		return startUnknown
	case !deadline.IsZero() && !now.Before(deadline):
		return startExpired
	}
	return startSend
}

// run starts the Basiq job(s) once per task and schedules their first polls.
func (h *handlers) run(ctx context.Context, t *asynq.Task, s start) error {
	h.sched.admit(ctx) // the looks at running jobs first
	a := attemptOf(ctx)
	key := h.startKey(a.taskID)
	rec, fresh, err := h.openStart(ctx, key, s.base.Deadline)
	if err != nil {
		return h.retry(ctx, a, err)
	}
	if fresh { // no record: this run wrote "sending", the call goes now
		return h.call(ctx, t, s, a, key, rec)
	}
	switch decideStart(rec, s.resend, h.now(), s.base.Deadline) {
	case startResume:
		for _, id := range rec.Jobs {
			zerolog.Ctx(ctx).Info().Str("job_id", id).Time("started_at", rec.At).
				Msg("resuming a basiq job started by an earlier run")
		}
		return h.follow(ctx, t, s.base, a, rec.Jobs, rec.At)
	case startUnknown:
		return h.reconcile(ctx, t, s, a, key, rec)
	case startExpired:
		return h.publish(ctx, t, "", result(s.base.work, tasks.OutcomeTimedOut, expiredBeforeSend(s.base)))
	}
	return h.send(ctx, t, s, a, key)
}

// send records that the call is under way, makes it and records the jobs
// Basiq answered with. A job id in hand, or the proof that nothing was
// sent, is saved with persist: Redis briefly away must not turn either
// into an unknown outcome.
func (h *handlers) send(ctx context.Context, t *asynq.Task, s start, a attempt, key string) error {
	sending := startRecord{State: stateSending, At: h.now()}
	if err := h.saveStart(ctx, key, sending); err != nil {
		return h.retry(ctx, a, err)
	}
	return h.call(ctx, t, s, a, key, sending)
}

// call makes the call once the "sending" record is saved.
func (h *handlers) call(ctx context.Context, t *asynq.Task, s start, a attempt, key string, sending startRecord) error {
	if err := h.sendDurable(ctx, key); err != nil {
		return err
	}
	called := h.now()
	jobs, err := s.call(ctx)
	took := h.now().Sub(called)
	switch {
	case err == nil:
	case !s.resend && !sdk.IsNotApplied(err):
		// The create may have taken effect: its answer is lost.
		zerolog.Ctx(ctx).Warn().Err(err).Msg("answer lost: the create may have reached Basiq")
		return h.reconcile(ctx, t, s, a, key, sending)
	default:
		del := func(ctx context.Context) error { return h.rdb.Del(ctx, key).Err() }
		if derr := h.persist(ctx, "clear start record", del); derr != nil {
			return h.retry(ctx, a, derr)
		}
		return h.callFailed(ctx, t, s.base, a, err)
	}
	rec := startRecord{State: stateStarted, At: h.now()}
	for _, j := range jobs {
		rec.Jobs = append(rec.Jobs, j.ID)
	}
	save := func(ctx context.Context) error { return h.saveStart(ctx, key, rec) }
	if err := h.persist(ctx, "save start record", save); err != nil {
		return h.retry(ctx, a, err)
	}
	logStarted(ctx, s.base, jobs, took)
	return h.follow(ctx, t, s.base, a, rec.Jobs, rec.At)
}

// startView is the asynq task result of a task that started Basiq jobs.
type startView struct {
	Jobs      []string  `json:"jobs"`
	FirstPoll time.Time `json:"firstPoll,omitzero"`
	// Waiting are the jobs followed by another task's chain, which answers this one.
	Waiting []string `json:"waiting,omitempty"`
}

// logStarted writes one line per Basiq job a call started, with the
// duration of the call. The connection id and step are there when known: a
// create's answer names neither (the first poll does).
func logStarted(ctx context.Context, base pollPayload, jobs []*sdk.Job, took time.Duration) {
	for _, j := range jobs {
		ev := zerolog.Ctx(ctx).Info().Str("job_id", j.ID)
		if conn := cmp.Or(j.ConnectionID(), base.ConnectionID); conn != "" {
			ev = ev.Str("connection_id", conn)
		}
		if cur := j.CurrentStep(); cur != nil {
			ev = ev.Str("step", cur.Title).Str("status", cur.Status)
		}
		ev.Dur("duration", took).Msg("basiq job started")
	}
}

// follow attaches the task to each of its jobs: it schedules the first
// poll of the jobs whose chain it owns; the others answer it (follow.go).
func (h *handlers) follow(ctx context.Context, t *asynq.Task, base pollPayload, a attempt, jobIDs []string, startedAt time.Time) error {
	if len(jobIDs) == 0 {
		return h.publish(ctx, t, "", result(base.work, tasks.OutcomeCompleted, nil))
	}
	base.StartedAt = startedAt
	view := startView{Jobs: jobIDs}
	for _, id := range jobIDs {
		p, due, att, err := h.firstPoll(ctx, base, &sdk.Job{ID: id})
		switch {
		case err != nil:
		case att.role == roleOwner:
			err, view.FirstPoll = h.schedulePoll(ctx, p, due), due
		default:
			err = h.joined(ctx, t, p, att)
			view.Waiting = append(view.Waiting, att.jobID)
		}
		if err != nil {
			return h.retry(ctx, a, err)
		}
	}
	return writeResult(t, view)
}

// openStart reads the task's start record and, when there is none, writes
// the "sending" record in the same command (SET NX GET: one command where
// a GET and a SET were two): fresh reports that it did, and rec is it. A
// task past its deadline only reads: it sends nothing, so it must not leave
// a "sending" record behind.
func (h *handlers) openStart(ctx context.Context, key string, deadline time.Time) (rec startRecord, fresh bool, err error) {
	now := h.now()
	if !deadline.IsZero() && !now.Before(deadline) {
		rec, err = h.loadStart(ctx, key)
		return rec, false, err
	}
	sending := startRecord{State: stateSending, At: now}
	b, err := json.Marshal(sending)
	if err != nil {
		return rec, false, fmt.Errorf("encode start record: %w", err)
	}
	old, err := h.rdb.SetArgs(ctx, key, b, redis.SetArgs{Mode: "NX", Get: true, TTL: startTTL}).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return sending, true, nil
	case err != nil:
		return rec, false, fmt.Errorf("read start record: %w", err)
	}
	if err := json.Unmarshal(old, &rec); err != nil {
		return rec, false, fmt.Errorf("decode start record: %w", err)
	}
	return rec, false, nil
}

func (h *handlers) loadStart(ctx context.Context, key string) (startRecord, error) {
	var rec startRecord
	b, err := h.rdb.Get(ctx, key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return rec, nil
	case err != nil:
		return rec, fmt.Errorf("read start record: %w", err)
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("decode start record: %w", err)
	}
	return rec, nil
}

func (h *handlers) saveStart(ctx context.Context, key string, rec startRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode start record: %w", err)
	}
	if err := h.rdb.Set(ctx, key, b, startTTL).Err(); err != nil {
		return fmt.Errorf("save start record: %w", err)
	}
	return nil
}

// result is the result of the work p describes, without what only polls
// know (job, steps, polls, accounts: see finish).
func result(p work, o tasks.Outcome, e *tasks.ErrorInfo) tasks.Result {
	return tasks.Result{Outcome: o, TaskID: p.TaskID, IdempotencyKey: p.IdempotencyKey, UserID: p.UserID,
		ConnectionID: p.ConnectionID, InstitutionID: p.InstitutionID, Kind: p.Kind, Error: e, StartedAt: p.StartedAt}
}

// rejectPayload publishes the failed result of a task whose payload cannot
// be used, so a waiting application hears of it, and archives the task.
func (h *handlers) rejectPayload(ctx context.Context, t *asynq.Task, base work, err error) error {
	zerolog.Ctx(ctx).Error().Err(err).Msg("invalid payload, archived")
	a := attemptOf(ctx)
	base.TaskID, base.Kind = a.taskID, t.Type()
	e := &tasks.ErrorInfo{Code: tasks.CodeInvalidPayload, Title: "Invalid task payload", Detail: err.Error()}
	if perr := h.publish(ctx, t, "", result(base, tasks.OutcomeFailed, e)); !errors.As(perr, new(*finalError)) {
		return perr // could not publish: retried
	}
	if errors.Is(err, asynq.SkipRetry) {
		return err
	}
	return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
}
