package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/redis/go-redis/v9"
)

// Progress tells where a Basiq job is: the step statuses seen so far. The
// worker sends one when a step's status changes. Progress events go to the
// live channel, not to the stream: they are not deduplicated and may be
// missed; only the latest of a task is kept (Client.Progress), and the
// result that ends the job is durable.
type Progress struct {
	V            int               `json:"v"`
	TaskID       string            `json:"taskId"`
	JobID        string            `json:"jobId"`
	UserID       string            `json:"userId"`
	ConnectionID string            `json:"connectionId,omitempty"`
	Steps        []StepObservation `json:"steps"`
	Polls        int               `json:"polls"`
}

// Follow yields the live events of task taskID (EventProgress and
// EventMFARequired) and ends with its EventResult. It subscribes before
// reading the stored result, like Wait, so a result published in between is
// not missed; a result already published is yielded at once. When ctx ends
// first, or Redis fails, it yields the error once and stops.
func (s *subscriber) Follow(ctx context.Context, taskID string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		ps := s.rdb.Subscribe(ctx, wire.ResultsChannel(s.ns))
		defer ps.Close()
		if _, err := ps.Receive(ctx); err != nil {
			yield(Event{}, fmt.Errorf("follow %s: subscribe: %w", taskID, err))
			return
		}
		ch := ps.Channel()
		tick := time.NewTicker(s.recheck)
		defer tick.Stop()
		for {
			r, err := s.get(ctx, taskID)
			if err != nil {
				yield(Event{}, fmt.Errorf("follow %s: %w", taskID, err))
				return
			}
			if r != nil {
				yield(resultEvent(*r), nil)
				return
			}
			if !s.followLive(ctx, taskID, ch, tick.C, yield) {
				return
			}
		}
	}
}

// followLive yields taskID's live events until the next recheck tick (true)
// or the end of the iteration (false).
func (s *subscriber) followLive(ctx context.Context, taskID string, ch <-chan *redis.Message, tick <-chan time.Time, yield func(Event, error) bool) bool {
	for {
		select {
		case <-ctx.Done():
			yield(Event{}, fmt.Errorf("follow %s: %w", taskID, ctx.Err()))
			return false
		case <-tick:
			return true
		case m, ok := <-ch:
			if !ok {
				yield(Event{}, fmt.Errorf("follow %s: subscription closed", taskID))
				return false
			}
			for _, e := range liveEvents(m.Payload) {
				if e.taskID() != taskID {
					continue
				}
				if !yield(e, nil) || e.Type == EventResult {
					return false
				}
			}
		}
	}
}

// liveEvents decodes a message of the live channel: one Event, or an array
// of them (the follower sends the progress of a whole write-back in one
// message). A message that decodes as neither yields none.
func liveEvents(payload string) []Event {
	if strings.HasPrefix(payload, "[") {
		var es []Event
		if json.Unmarshal([]byte(payload), &es) != nil {
			return nil
		}
		return es
	}
	var e Event
	if json.Unmarshal([]byte(payload), &e) != nil {
		return nil
	}
	return []Event{e}
}

// resultEvent is r as the stream holds it: the Event with r's dedupe id.
func resultEvent(r Result) Event {
	return Event{Type: EventResult, ID: wire.ResultEventID(r.JobID, r.TaskID), Result: &r}
}

// taskID is the task an event belongs to.
func (e Event) taskID() string {
	switch {
	case e.Result != nil:
		return e.Result.TaskID
	case e.MFA != nil:
		return e.MFA.TaskID
	case e.Progress != nil:
		return e.Progress.TaskID
	}
	return ""
}
