package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/redis/go-redis/v9"
)

// subscriber reads the events the worker publishes in namespace ns (for
// the Client's Wait, Follow and Results).
type subscriber struct {
	rdb redis.UniversalClient
	ns  string
	// recheck is how often Wait re-reads the result key while following the
	// live channel, in case a Pub/Sub message was lost on a reconnect.
	recheck time.Duration
}

func newSubscriber(rdb redis.UniversalClient, ns string) *subscriber {
	return &subscriber{rdb: rdb, ns: ns, recheck: 5 * time.Second}
}

// Read returns up to count events after stream position after ("0" from the
// start, "$" only events added from now on, or an Event.StreamID to resume).
// It blocks up to block for new events (block <= 0: does not block) and
// returns no events and a nil error on timeout. Entries that cannot be
// decoded are returned with an empty Type so that callers can move past them.
func (s *subscriber) Read(ctx context.Context, after string, count int, block time.Duration) ([]Event, error) {
	if block <= 0 {
		block = -1 // go-redis: negative omits BLOCK; 0 would block forever
	}
	streams, err := s.rdb.XRead(ctx, &redis.XReadArgs{
		Streams: []string{wire.ResultsStreamKey(s.ns), after}, Count: int64(count), Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read results after %s: %w", after, err)
	}
	var events []Event
	for _, st := range streams {
		for _, m := range st.Messages {
			events = append(events, decodeEvent(m))
		}
	}
	return events, nil
}

func decodeEvent(m redis.XMessage) Event {
	var e Event
	if raw, ok := m.Values["event"].(string); !ok || json.Unmarshal([]byte(raw), &e) != nil {
		e = Event{}
	}
	e.StreamID = m.ID
	return e
}

// Events follows the stream after position after until ctx is done. On a
// Redis error it yields the error once and stops.
func (s *subscriber) Events(ctx context.Context, after string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		if after == "$" {
			var err error
			if after, err = s.lastID(ctx); err != nil {
				yield(Event{}, err)
				return
			}
		}
		for ctx.Err() == nil {
			events, err := s.Read(ctx, after, 100, 5*time.Second)
			if err != nil {
				if ctx.Err() == nil {
					yield(Event{}, err)
				}
				return
			}
			for _, e := range events {
				after = e.StreamID
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

// lastID resolves "$" once so that following reads miss nothing between calls.
func (s *subscriber) lastID(ctx context.Context) (string, error) {
	last, err := s.Last(ctx, 1)
	if err != nil || len(last) == 0 {
		return "0-0", err
	}
	return last[0].StreamID, nil
}

// Last returns the last n events of the stream, oldest first.
func (s *subscriber) Last(ctx context.Context, n int) ([]Event, error) {
	if n <= 0 {
		return nil, nil
	}
	msgs, err := s.rdb.XRevRangeN(ctx, wire.ResultsStreamKey(s.ns), "+", "-", int64(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	events := make([]Event, len(msgs))
	for i, m := range msgs {
		events[len(msgs)-1-i] = decodeEvent(m)
	}
	return events, nil
}

// Wait returns the result of task taskID: at once if it was already
// published (and not expired), else when it is published, or ctx's error.
func (s *subscriber) Wait(ctx context.Context, taskID string) (*Result, error) {
	// Subscribe before reading the key so a result published in between is not missed.
	ps := s.rdb.Subscribe(ctx, wire.ResultsChannel(s.ns))
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		return nil, fmt.Errorf("wait %s: subscribe: %w", taskID, err)
	}
	ch := ps.Channel()
	tick := time.NewTicker(s.recheck)
	defer tick.Stop()
	for {
		if r, err := s.get(ctx, taskID); r != nil || err != nil {
			return r, err
		}
		if r, err := s.follow(ctx, taskID, ch, tick.C); r != nil || err != nil {
			return r, err
		}
	}
}

// follow waits on the live channel until taskID's result or the next recheck tick.
func (s *subscriber) follow(ctx context.Context, taskID string, ch <-chan *redis.Message, tick <-chan time.Time) (*Result, error) {
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait %s: %w", taskID, ctx.Err())
		case <-tick:
			return nil, nil
		case m, ok := <-ch:
			if !ok {
				return nil, fmt.Errorf("wait %s: subscription closed", taskID)
			}
			var e Event
			if json.Unmarshal([]byte(m.Payload), &e) == nil && e.Type == EventResult && e.Result != nil && e.Result.TaskID == taskID {
				return e.Result, nil
			}
		}
	}
}

// Result returns the stored result of taskID, or nil when there is none (yet).
func (s *subscriber) Result(ctx context.Context, taskID string) (*Result, error) {
	return s.get(ctx, taskID)
}

// Progress returns the latest progress of task taskID, or nil: the latest
// progress event stored while its job runs (wire.ProgressHash), else once
// the job ended (the worker removes the field) the steps of its result,
// else the progress key an earlier worker version kept. One round trip.
func (s *subscriber) Progress(ctx context.Context, taskID string) (*Progress, error) {
	pipe := s.rdb.Pipeline()
	live := pipe.HGet(ctx, wire.ProgressHash(s.ns), taskID)
	res := pipe.Get(ctx, wire.ResultKey(s.ns, taskID))
	old := pipe.Get(ctx, wire.ProgressKey(s.ns, taskID))
	_, _ = pipe.Exec(ctx) // each command's error is read below
	for _, c := range []*redis.StringCmd{live, res, old} {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("progress %s: %w", taskID, err)
		}
	}
	if b, err := live.Bytes(); err == nil {
		var e Event
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("progress %s: decode: %w", taskID, err)
		}
		if e.Progress == nil {
			return nil, fmt.Errorf("progress %s: decode: not a progress event", taskID)
		}
		return e.Progress, nil
	}
	if b, err := res.Bytes(); err == nil {
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("progress %s: decode result: %w", taskID, err)
		}
		if r.JobID != "" && len(r.Steps) > 0 {
			return &Progress{V: r.V, TaskID: r.TaskID, JobID: r.JobID, UserID: r.UserID, ConnectionID: r.ConnectionID,
				Steps: r.Steps, Polls: r.Polls}, nil
		}
	}
	b, err := old.Bytes()
	if err != nil {
		return nil, nil // none
	}
	var p Progress
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("progress %s: decode: %w", taskID, err)
	}
	return &p, nil
}

func (s *subscriber) get(ctx context.Context, taskID string) (*Result, error) {
	b, err := s.rdb.Get(ctx, wire.ResultKey(s.ns, taskID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wait %s: %w", taskID, err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("wait %s: decode result: %w", taskID, err)
	}
	return &r, nil
}
