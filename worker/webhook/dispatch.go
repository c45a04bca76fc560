package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// enqueuer enqueues delivery tasks; *asynq.Client implements it.
type enqueuer interface {
	EnqueueContext(ctx context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Dispatcher turns results-stream entries into delivery tasks.
type Dispatcher struct {
	rdb  redis.UniversalClient
	enq  enqueuer
	opts Options
}

// Run reads the stream in the consumer group until ctx is done: first the
// entries this consumer read before a restart, then abandoned ones of other
// consumers, then new ones.
func (d *Dispatcher) Run(ctx context.Context) error {
	stream := wire.ResultsStreamKey(d.opts.Namespace)
	err := d.rdb.XGroupCreateMkStream(ctx, stream, d.opts.Group, d.opts.StartFrom).Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("webhook: create consumer group: %w", err)
	}
	after := "0" // own pending entries first
	lastClaim := time.Time{}
	for ctx.Err() == nil {
		if time.Since(lastClaim) > d.opts.ClaimIdle/2 {
			lastClaim = time.Now()
			if err := d.claim(ctx, stream); err != nil && ctx.Err() == nil {
				d.opts.Logger.Warn().Err(err).Msg("claim abandoned webhook events")
			}
		}
		block := 2 * time.Second
		if after != ">" {
			block = -1
		}
		res, err := d.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: d.opts.Group, Consumer: d.opts.Consumer,
			Streams: []string{stream, after}, Count: 100, Block: block}).Result()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, redis.Nil):
			after = ">"
			continue
		case err != nil:
			d.opts.Logger.Error().Err(err).Msg("read results stream")
			sleep(ctx, time.Second)
			continue
		}
		n := 0
		for _, st := range res {
			n += len(st.Messages)
			d.handle(ctx, stream, st.Messages)
			if after != ">" && len(st.Messages) > 0 {
				after = st.Messages[len(st.Messages)-1].ID // page through own pending entries
			}
		}
		if after != ">" && n == 0 {
			after = ">"
		}
	}
	return nil
}

// claim takes over entries another consumer read but did not acknowledge
// within ClaimIdle, and hands them on.
func (d *Dispatcher) claim(ctx context.Context, stream string) error {
	msgs, _, err := d.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: stream, Group: d.opts.Group,
		Consumer: d.opts.Consumer, MinIdle: d.opts.ClaimIdle, Start: "0-0", Count: 100}).Result()
	if err != nil {
		return err
	}
	d.handle(ctx, stream, msgs)
	return nil
}

// handle enqueues a delivery per entry and acknowledges the entries handed
// on (or that can never be: undecodable).
func (d *Dispatcher) handle(ctx context.Context, stream string, msgs []redis.XMessage) {
	var ack []string
	for _, m := range msgs {
		if err := d.dispatch(ctx, m); err != nil {
			d.opts.Logger.Error().Err(err).Str("stream_id", m.ID).Msg("webhook not enqueued; will retry")
			continue
		}
		ack = append(ack, m.ID)
	}
	if len(ack) > 0 {
		if err := d.rdb.XAck(ctx, stream, d.opts.Group, ack...).Err(); err != nil {
			d.opts.Logger.Warn().Err(err).Msg("ack webhook events") // re-read later; the task id dedupes
		}
	}
}

func (d *Dispatcher) dispatch(ctx context.Context, m redis.XMessage) error {
	raw, _ := m.Values["event"].(string)
	var e tasks.Event
	if json.Unmarshal([]byte(raw), &e) != nil || e.ID == "" {
		d.opts.Logger.Warn().Str("stream_id", m.ID).Msg("undecodable results entry skipped")
		return nil
	}
	b, err := json.Marshal(Payload{V: wire.PayloadVersion, EventID: e.ID, Event: json.RawMessage(raw)})
	if err != nil {
		return err
	}
	_, err = d.enq.EnqueueContext(ctx, asynq.NewTask(wire.TypeDeliverWebhook, b), asynq.TaskID(TaskID(e.ID)),
		asynq.Queue(d.opts.Queue), asynq.MaxRetry(d.opts.MaxRetry), asynq.Retention(24*time.Hour), asynq.Timeout(d.opts.Timeout+5*time.Second))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil // already handed on
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
