package tasks

import (
	"context"
	"iter"
	"time"
)

// Wait returns the result of task taskID (the id a Client method returned):
// at once if it was already published (and not expired), else when it is
// published, or ctx's error. Bound the wait with ctx.
func (c *Client) Wait(ctx context.Context, taskID string) (*Result, error) {
	return c.sub.Wait(ctx, taskID)
}

// Result returns the stored result of task taskID, or nil when there is
// none (yet, or any more: results expire after the worker's result TTL).
func (c *Client) Result(ctx context.Context, taskID string) (*Result, error) {
	return c.sub.Result(ctx, taskID)
}

// Progress returns the latest progress of task taskID (the steps of its
// Basiq job as last seen, when a step changed), or nil when there is none:
// not started yet, no step change seen yet, or expired. While the job runs
// it is the last EventProgress Follow would have yielded; once it ended,
// the steps and polls of its result (kept as long as the result).
func (c *Client) Progress(ctx context.Context, taskID string) (*Progress, error) {
	return c.sub.Progress(ctx, taskID)
}

// Follow yields the live events of task taskID as the worker sends them
// (EventProgress when a step changes, EventMFARequired when the job waits
// for an answer) and ends with its EventResult. A result already published
// is yielded at once. When ctx ends first, or Redis fails, it yields the
// error once and stops. A follower that starts late misses the earlier
// live events, never the result; Progress reads the latest one.
func (c *Client) Follow(ctx context.Context, taskID string) iter.Seq2[Event, error] {
	return c.sub.Follow(ctx, taskID)
}

// Results follows the durable results stream of every task (EventResult and
// EventMFARequired) after stream position after until ctx is done: "0" from
// the start, "$" only events added from now on, or an [Event.StreamID] saved
// earlier to resume after that event. On a Redis error it yields the error
// once and stops.
func (c *Client) Results(ctx context.Context, after string) iter.Seq2[Event, error] {
	return c.sub.Events(ctx, after)
}

// ReadResults returns up to count events of the results stream after
// position after (as for Results). It blocks up to block for new events
// (block <= 0: does not block) and returns no events and a nil error when
// none came. Entries that cannot be decoded are returned with an empty Type
// so that callers can move past them.
func (c *Client) ReadResults(ctx context.Context, after string, count int, block time.Duration) ([]Event, error) {
	return c.sub.Read(ctx, after, count, block)
}

// LastResults returns the last n events of the results stream, oldest
// first (fewer when the stream holds fewer). The StreamID of the last one
// is where to resume with Results or ReadResults to see only what comes
// after: such as the stream's position before enqueuing work, or the tail
// of the stream to print.
func (c *Client) LastResults(ctx context.Context, n int) ([]Event, error) {
	return c.sub.Last(ctx, n)
}
