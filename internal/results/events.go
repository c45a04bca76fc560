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

// NewBasiqEvent wraps b in an Event of type typ (tasks.EventBasiq or
// tasks.EventConsentRevoked), with dedupe id "basiq:"+b.EventID. It sets b.V.
func NewBasiqEvent(typ string, b tasks.BasiqEvent) tasks.Event {
	b.V = wire.PayloadVersion
	return tasks.Event{Type: typ, ID: "basiq:" + b.EventID, Basiq: &b}
}

// NewProgressEvent wraps p in an Event with id "progress:"+jobID+":"+polls. It sets p.V.
func NewProgressEvent(p tasks.Progress) tasks.Event {
	p.V = wire.PayloadVersion
	return tasks.Event{Type: tasks.EventProgress, ID: wire.ProgressEventID(p.JobID, p.Polls), Progress: &p}
}

// EncodeProgress returns the progress event of pr as it is stored in
// wire.ProgressHash and sent on the live channel.
func EncodeProgress(pr tasks.Progress) ([]byte, error) {
	if pr.TaskID == "" {
		return nil, fmt.Errorf("progress: taskId required")
	}
	b, err := json.Marshal(NewProgressEvent(pr))
	if err != nil {
		return nil, fmt.Errorf("progress %s: %w", pr.TaskID, err)
	}
	return b, nil
}

// Progress sends p on the live channel (ResultsChannel) of the namespace
// and stores it as the task's latest progress (its field of ProgressHash),
// in one round trip: an HSET and the PUBLISH, pipelined. A subscriber that
// is not listening misses the event, but the task's status
// (tasks.Client.Progress) shows it. The field stays until the caller
// removes it: the worker's follower writes its looks' progress itself, a
// whole write-back in one HSET, and removes the field when the job ends.
func (p *Publisher) Progress(ctx context.Context, pr tasks.Progress) error {
	b, err := EncodeProgress(pr)
	if err != nil {
		return err
	}
	// The hash and the channel share the hash tag {ns}: one slot on Cluster.
	pipe := p.rdb.Pipeline()
	pipe.HSet(ctx, wire.ProgressHash(p.cfg.ns), pr.TaskID, b)
	pipe.Publish(ctx, wire.ResultsChannel(p.cfg.ns), b)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("progress %s: %w", pr.TaskID, err)
	}
	return nil
}
