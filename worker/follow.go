package worker

// One follower per Basiq job. Tasks that lead to the same Basiq job (a
// refresh-all and a refresh that Basiq answered with the running job, a
// re-run) meet on the job's follower record in Redis:
//
//	{ns}:worker:follow:<jobID>          hash: owner (the task whose poll chain follows the
//	                                    job), deadline (unix ms, the latest of all attached),
//	                                    done (the job's outcome, once settled), moved (the job
//	                                    the chain went on to after an institution-side refresh)
//	{ns}:worker:follow:<jobID>:waiters  hash: task id -> waiter (what its result needs)
//
// The first task to attach owns the job's one poll chain; the others are
// waiters and schedule nothing. When the chain ends, follow_finish.lua stores the
// outcome and returns the waiters in one step, and the chain publishes a
// result with that outcome for each (event id result:<jobID>:<taskID>).
// Attach and finish are atomic scripts on the same record, so a waiter
// attaching as the job ends is either returned to the chain or finds the
// outcome and publishes its own result: it cannot fall between them. A
// chain that re-runs its last poll reads the stored outcome (the first one
// stored wins) and publishes again through the dedupe keys.

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

//go:embed follow_attach.lua
var attachLua string

//go:embed follow_finish.lua
var finishLua string

var attachScript, finishScript = redis.NewScript(attachLua), redis.NewScript(finishLua)

// Roles of a task attached to a job.
const (
	roleOwner  = "owner"  // its poll chain follows the job
	roleWaiter = "waiter" // another task's chain follows the job and will answer it
	roleDone   = "done"   // the job's outcome is settled: publish the task's result now
	roleMoved  = "moved"  // the job's chain went on to another job: attach there
)

// maxMoves bounds the moved links followed by attach.
const maxMoves = 8

// attachment is what attach found.
type attachment struct {
	role     string
	jobID    string      // the job attached to (after moved links)
	deadline time.Time   // roleOwner, roleWaiter: the chain's deadline
	done     *jobOutcome // roleDone
	owner    string      // roleDone: the task whose chain followed the job
	waiters  []waiter    // roleDone: waiters of the chain's earlier jobs, to answer too
}

func (h *handlers) followKey(jobID string) string  { return keys.Follow(h.ns, jobID) }
func (h *handlers) waitersKey(jobID string) string { return keys.Waiters(h.ns, jobID) }

// recordKeys are the record and waiters keys of each job, in order.
func (h *handlers) recordKeys(jobIDs ...string) []string {
	keys := make([]string, 0, 2*len(jobIDs))
	for _, id := range jobIDs {
		keys = append(keys, h.followKey(id), h.waitersKey(id))
	}
	return keys
}

// attach attaches p's task to the record of job p.JobID (p.Prev are the
// jobs its chain followed before).
func (h *handlers) attach(ctx context.Context, p pollPayload) (attachment, error) {
	if a, ok, err := h.attachFirst(ctx, p); ok || err != nil {
		return a, err
	}
	w, err := json.Marshal(p.work)
	if err != nil {
		return attachment{}, fmt.Errorf("attach to job: %w", err)
	}
	jobID := p.JobID
	for range maxMoves {
		keys := h.recordKeys(append([]string{jobID}, p.Prev...)...)
		res, err := attachScript.Run(ctx, h.rdb, keys, p.TaskID, w, p.Deadline.UnixMilli(), startTTL.Milliseconds(), jobID).StringSlice()
		if err != nil {
			return attachment{}, fmt.Errorf("attach to job %s: %w", jobID, err)
		}
		if res[0] == roleMoved {
			jobID = res[1]
			continue
		}
		return parseAttachment(jobID, res)
	}
	return attachment{}, fmt.Errorf("attach to job %s: more than %d moves", p.JobID, maxMoves)
}

// attachFirst makes p's task the owner of job p.JobID's chain when no task
// has attached to the job yet (ok), as the first attach is nearly always (a
// create's new job, a refresh's): HSETNX of the owner and PEXPIRE in one
// round trip, two commands where follow_attach.lua takes four (EVALSHA,
// HMGET, HSET, PEXPIRE). A record without an owner is no record: attach
// writes the owner first, and the done and moved fields only ever go into
// a record that has one. The owner's deadline is not written: the record's
// deadline is the latest of the waiters' (chainDeadline takes the later of
// it and the chain's own). ok is false when the job has an owner already
// (a re-run, or another task's chain): attach then runs the script.
func (h *handlers) attachFirst(ctx context.Context, p pollPayload) (a attachment, ok bool, err error) {
	key := h.followKey(p.JobID)
	var first *redis.BoolCmd
	_, err = h.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		first = pipe.HSetNX(ctx, key, "owner", p.TaskID)
		pipe.PExpire(ctx, key, startTTL)
		return nil
	})
	if err != nil {
		return a, false, fmt.Errorf("attach to job %s: %w", p.JobID, err)
	}
	if !first.Val() {
		return a, false, nil
	}
	return attachment{role: roleOwner, jobID: p.JobID, deadline: p.Deadline}, true, nil
}

func parseAttachment(jobID string, res []string) (attachment, error) {
	a := attachment{role: res[0], jobID: jobID}
	if a.role != roleDone {
		ms, err := strconv.ParseInt(res[1], 10, 64)
		if err != nil {
			return a, fmt.Errorf("attach to job %s: deadline %q: %w", jobID, res[1], err)
		}
		a.deadline = time.UnixMilli(ms)
		return a, nil
	}
	o, err := decodeOutcome([]byte(res[1]))
	if err != nil {
		return a, fmt.Errorf("attach to job %s: outcome: %w", jobID, err)
	}
	a.done, a.owner = &o, res[2]
	ws, err := parseWaiters(res[3:])
	a.waiters = ws
	return a, err
}

func parseWaiters(kv []string) ([]waiter, error) {
	var ws []waiter
	for i := 0; i+1 < len(kv); i += 2 {
		var w waiter
		if err := json.Unmarshal([]byte(kv[i+1]), &w); err != nil {
			return nil, fmt.Errorf("waiter %s: %w", kv[i], err)
		}
		ws = append(ws, w)
	}
	return ws, nil
}

// settle stores o as the outcome of p's job (and of the jobs its chain
// followed before), unless one is stored already, and returns the stored
// outcome with the tasks waiting on those jobs.
func (h *handlers) settle(ctx context.Context, p pollPayload, o jobOutcome) (jobOutcome, []waiter, error) {
	b, err := encodeOutcome(o)
	if err != nil {
		return o, nil, fmt.Errorf("settle job: %w", err)
	}
	keys := h.recordKeys(append([]string{p.JobID}, p.Prev...)...)
	res, err := finishScript.Run(ctx, h.rdb, keys, b, startTTL.Milliseconds()).StringSlice()
	if err != nil {
		return o, nil, fmt.Errorf("settle job %s: %w", p.JobID, err)
	}
	stored := o // o was stored (the first outcome): its bytes need no decoding
	if res[0] != string(b) {
		if stored, err = decodeOutcome([]byte(res[0])); err != nil {
			return o, nil, fmt.Errorf("settle job %s: stored outcome: %w", p.JobID, err)
		}
	}
	ws, err := parseWaiters(res[1:])
	return stored, ws, err
}

// chainDeadline is the deadline of p's chain: the latest of the tasks
// attached to its job, read when p's own has come.
func (h *handlers) chainDeadline(ctx context.Context, p pollPayload) time.Time {
	if p.Shared {
		return p.Deadline
	}
	ms, err := h.rdb.HGet(ctx, h.followKey(p.JobID), "deadline").Int64()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("chain deadline not read; the poll's own applies")
		}
		return p.Deadline
	}
	return later(p.Deadline, time.UnixMilli(ms))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
