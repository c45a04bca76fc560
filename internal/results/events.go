package results

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// NewResultEvent wraps r in an Event with dedupe id "result:"+r.JobID
// (or "result:task:"+r.TaskID when no Basiq job was started). It sets r.V.
func NewResultEvent(r tasks.Result) tasks.Event {
	r.V = wire.PayloadVersion
	return tasks.Event{Type: tasks.EventResult, ID: wire.ResultEventID(r.JobID, r.TaskID), Result: &r}
}

// NewMFAEvent wraps m in an Event with dedupe id "mfa:"+m.JobID. It sets m.V.
// A job that challenges twice needs distinct ids: set Event.ID yourself.
func NewMFAEvent(m tasks.MFARequired) tasks.Event {
	m.V = wire.PayloadVersion
	return tasks.Event{Type: tasks.EventMFARequired, ID: wire.MFAEventID(m.JobID), MFA: &m}
}

// NewProgressEvent wraps p in an Event with id "progress:"+jobID+":"+polls. It sets p.V.
func NewProgressEvent(p tasks.Progress) tasks.Event {
	p.V = wire.PayloadVersion
	return tasks.Event{Type: tasks.EventProgress, ID: wire.ProgressEventID(p.JobID, p.Polls), Progress: &p}
}

// Progress sends p on the live channel (ResultsChannel) of the namespace.
// Nothing is stored: a subscriber that is not listening misses it.
func (p *Publisher) Progress(ctx context.Context, pr tasks.Progress) error {
	if pr.TaskID == "" {
		return fmt.Errorf("progress: taskId required")
	}
	b, err := json.Marshal(NewProgressEvent(pr))
	if err != nil {
		return fmt.Errorf("progress %s: %w", pr.TaskID, err)
	}
	if err := p.rdb.Publish(ctx, wire.ResultsChannel(p.cfg.ns), b).Err(); err != nil {
		return fmt.Errorf("progress %s: %w", pr.TaskID, err)
	}
	return nil
}
