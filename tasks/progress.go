package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// EventProgress is the type of live-only progress events.
const EventProgress = "progress"

// Progress tells where a Basiq job is: the step statuses seen so far. The
// worker sends one when a step's status changes. Progress events go to the
// live channel only: they are not stored on the stream, not deduplicated and
// may be lost; the result that ends the job is durable.
type Progress struct {
	V            int               `json:"v"`
	TaskID       string            `json:"taskId"`
	JobID        string            `json:"jobId"`
	UserID       string            `json:"userId"`
	ConnectionID string            `json:"connectionId,omitempty"`
	Steps        []StepObservation `json:"steps"`
	Polls        int               `json:"polls"`
}

// NewProgressEvent wraps p in an Event with id "progress:"+jobID+":"+polls. It sets p.V.
func NewProgressEvent(p Progress) Event {
	p.V = PayloadVersion
	return Event{Type: EventProgress, ID: "progress:" + p.JobID + ":" + strconv.Itoa(p.Polls), Progress: &p}
}

// Progress sends p on the live channel (ResultsChannel) of the namespace.
// Nothing is stored: a subscriber that is not listening misses it.
func (p *Publisher) Progress(ctx context.Context, pr Progress) error {
	if pr.TaskID == "" {
		return fmt.Errorf("progress: taskId required")
	}
	b, err := json.Marshal(NewProgressEvent(pr))
	if err != nil {
		return fmt.Errorf("progress %s: %w", pr.TaskID, err)
	}
	if err := p.rdb.Publish(ctx, ResultsChannel(p.cfg.ns), b).Err(); err != nil {
		return fmt.Errorf("progress %s: %w", pr.TaskID, err)
	}
	return nil
}

// Follow yields the live events of task taskID (EventProgress and
// EventMFARequired) and ends with its EventResult. It subscribes before
// reading the stored result, like Wait, so a result published in between is
// not missed; a result already published is yielded at once. When ctx ends
// first, or Redis fails, it yields the error once and stops.
func (s *Subscriber) Follow(ctx context.Context, taskID string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		ps := s.rdb.Subscribe(ctx, ResultsChannel(s.cfg.ns))
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
				yield(NewResultEvent(*r), nil)
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
func (s *Subscriber) followLive(ctx context.Context, taskID string, ch <-chan *redis.Message, tick <-chan time.Time, yield func(Event, error) bool) bool {
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
			var e Event
			if json.Unmarshal([]byte(m.Payload), &e) != nil || e.taskID() != taskID {
				continue
			}
			if !yield(e, nil) || e.Type == EventResult {
				return false
			}
		}
	}
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
