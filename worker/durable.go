package worker

// Durability across failovers (Config.WaitReplicas, REDIS_WAIT_REPLICAS).
// Redis replicates asynchronously: a write the master took may be missing
// from the replica that a failover promotes. A forced Sentinel failover
// with the old master alive is the sharp case: go-redis keeps writing to
// the old master for about a second after the promotion, and the old
// master discards those writes when it rejoins as a replica. A poll whose
// next poll was enqueued there, while asynq marked it done on the new
// master, ended its chain without a result (22, 0 and 2 tasks of 80 in
// three runs before this).
//
// With WaitReplicas set, two points wait for the replicas
// (internal/durable: a marker write, then WAIT on the same connection):
//
//   - durableAck, a middleware around every handler: a task whose handler
//     succeeded (or published its final result and returned SkipRetry) is
//     handed back to asynq, which marks it done, only once its writes (the
//     next poll, the result, the records) are on the replicas. If they are
//     not within WaitTimeout the task is run again in a second (not a
//     failure): handlers are safe to run twice.
//   - sendDurable, in send: a create's "sending" record is on the replicas
//     before Basiq is called, so that a failover cannot lose the record and
//     have the create sent twice.
//
// A handler of its own that must not act before its writes survive a
// failover calls h.durable.

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// notDurableDelay is the wait before a task whose writes did not reach the
// replicas runs again.
const notDurableDelay = time.Second

// durable is the durability hook of the handlers: it returns nil once the
// writes made so far by this process (on the master of the namespace and,
// on Redis Cluster, of the task's queue) are on Config.WaitReplicas
// replicas, at once when WaitReplicas is 0, or a *durable.Error.
//
// Call it after the writes that a later step rests on and before that
// step, when the step is not the task's acknowledgement (durableAck covers
// that): before calling Basiq on the strength of a record, for example. On
// an error, do not take the step: undo what can be undone and return
// h.notDurable(ctx, err).
func (h *handlers) durable(ctx context.Context) error {
	q := attemptOf(ctx).queue
	if q == "" {
		return h.replicas.Sync(ctx, h.ns)
	}
	return h.replicas.Sync(ctx, h.ns, q)
}

// notDurable is the retry of a task whose writes did not reach the
// replicas: in a second, not counted as a failure (isFailure).
func (h *handlers) notDurable(ctx context.Context, err error) error {
	h.obs.RetryWait("replication", notDurableDelay)
	zerolog.Ctx(ctx).Warn().Err(err).Dur("delay", notDurableDelay).Msg("writes not on the replicas: retry scheduled")
	return &retryError{class: classTransient, delay: notDurableDelay, err: err}
}

// durableAck is the middleware that holds a task's acknowledgement until
// its writes are on the replicas (see the top of this file). A task that
// asynq will retry anyway is passed through: its re-run redoes what a
// failover lost.
func (h *handlers) durableAck(next asynq.Handler) asynq.Handler {
	if h.replicas == nil {
		return next
	}
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		err := next.ProcessTask(ctx, t)
		if err != nil && !errors.Is(err, asynq.SkipRetry) {
			return err
		}
		if serr := h.durable(ctx); serr != nil {
			return h.notDurable(ctx, serr)
		}
		return err
	})
}

// sendDurable makes the "sending" start record at key durable before the
// call to Basiq. When it is not, nothing is sent: the record is cleared
// (its loss would otherwise read as a create whose answer was lost) and the
// error to return is the retry.
func (h *handlers) sendDurable(ctx context.Context, key string) error {
	err := h.durable(ctx)
	if err == nil {
		return nil
	}
	del := func(ctx context.Context) error { return h.rdb.Del(ctx, key).Err() }
	if derr := h.persist(ctx, "clear start record", del); derr != nil {
		return h.retry(ctx, attemptOf(ctx), derr)
	}
	return h.notDurable(ctx, err)
}
