package results

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// Defaults of the results layout.
const (
	DefaultMaxLen    = 100000
	DefaultDedupeTTL = 7 * 24 * time.Hour
	DefaultResultTTL = 7 * 24 * time.Hour
)

type resultsConfig struct {
	ns        string
	maxLen    int64
	dedupeTTL time.Duration
	resultTTL time.Duration
}

func newResultsConfig(opts []ResultsOption) resultsConfig {
	c := resultsConfig{ns: tasks.DefaultNamespace, maxLen: DefaultMaxLen, dedupeTTL: DefaultDedupeTTL, resultTTL: DefaultResultTTL}
	for _, o := range opts {
		o.applyResults(&c)
	}
	return c
}

// ResultsOption configures a Publisher.
type ResultsOption interface{ applyResults(*resultsConfig) }

type resultsOptionFunc func(*resultsConfig)

func (f resultsOptionFunc) applyResults(c *resultsConfig) { f(c) }

// WithNamespace sets the namespace of the results keys (default
// tasks.DefaultNamespace); apps' tasks.Client must use the same.
func WithNamespace(ns string) ResultsOption {
	return resultsOptionFunc(func(c *resultsConfig) { c.ns = ns })
}

// WithMaxLen caps the results stream at about n entries (approximate trim; default 100000).
func WithMaxLen(n int64) ResultsOption {
	return resultsOptionFunc(func(c *resultsConfig) { c.maxLen = n })
}

// WithDedupeTTL sets how long an event id is remembered as published (default 7 days).
func WithDedupeTTL(d time.Duration) ResultsOption {
	return resultsOptionFunc(func(c *resultsConfig) { c.dedupeTTL = d })
}

// WithResultTTL sets how long a task's result stays readable by Wait (default 7 days).
func WithResultTTL(d time.Duration) ResultsOption {
	return resultsOptionFunc(func(c *resultsConfig) { c.resultTTL = d })
}

// Publisher publishes result events exactly once per tasks.Event.ID.
type Publisher struct {
	rdb redis.UniversalClient
	cfg resultsConfig
}

// NewPublisher returns a Publisher writing to rdb.
func NewPublisher(rdb redis.UniversalClient, opts ...ResultsOption) *Publisher {
	return &Publisher{rdb: rdb, cfg: newResultsConfig(opts)}
}

//go:embed publish.lua
var publishLua string

var publishScript = redis.NewScript(publishLua)

// Publish publishes e once: the first call for an tasks.Event.ID appends it to the
// stream, stores a Result under ResultKey (for Wait) and sends it on the live
// channel, all in one atomic script; later calls return published=false.
func (p *Publisher) Publish(ctx context.Context, e tasks.Event) (published bool, err error) {
	if err := validate(e); err != nil {
		return false, fmt.Errorf("publish: %w", err)
	}
	if e.Result != nil {
		r := compactResult(*e.Result)
		e.Result = &r
	}
	ev, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("publish %s: %w", e.ID, err)
	}
	var res []byte
	resultKey := wire.ResultKey(p.cfg.ns, "")
	if e.Result != nil {
		resultKey = wire.ResultKey(p.cfg.ns, e.Result.TaskID)
		if res, err = json.Marshal(e.Result); err != nil {
			return false, fmt.Errorf("publish %s: %w", e.ID, err)
		}
	}
	keys := []string{wire.PublishedKey(p.cfg.ns, e.ID), wire.ResultsStreamKey(p.cfg.ns), resultKey}
	n, err := publishScript.Run(ctx, p.rdb, keys, ms(p.cfg.dedupeTTL), p.cfg.maxLen, ev, res, ms(p.cfg.resultTTL),
		wire.ResultsChannel(p.cfg.ns)).Int()
	if err != nil {
		return false, fmt.Errorf("publish %s: %w", e.ID, err)
	}
	return n == 1, nil
}

// storedPrecision is the precision of the times of a stored result.
const storedPrecision = time.Millisecond

// compactResult is r as it is stored, twice (the result key and the stream
// entry): its times to the millisecond. Go writes a time with its
// nanoseconds, 30 characters where 24 do; a result carries seven times
// (started, finished and each step's), 42 bytes of each copy, and the result
// key of a three-step job comes under 1 KB, jemalloc's next size class
// down (1.02 KB kept where there were 1.28). The fields stay those of
// tasks.Result, so any reader, older ones too, decodes it as before. The
// steps are copied: r's slice may be shared with the caller.
func compactResult(r tasks.Result) tasks.Result {
	r.StartedAt = r.StartedAt.Truncate(storedPrecision)
	r.FinishedAt = r.FinishedAt.Truncate(storedPrecision)
	if len(r.Steps) > 0 {
		steps := make([]tasks.StepObservation, len(r.Steps))
		for i, st := range r.Steps {
			st.ObservedAt = st.ObservedAt.Truncate(storedPrecision)
			steps[i] = st
		}
		r.Steps = steps
	}
	return r
}

func ms(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return max(d.Milliseconds(), 1)
}

func validate(e tasks.Event) error {
	switch {
	case e.ID == "":
		return errors.New("event id required")
	case e.Type == tasks.EventResult && e.Result == nil:
		return fmt.Errorf("event %s: result required", e.ID)
	case e.Type == tasks.EventResult && e.Result.TaskID == "":
		return fmt.Errorf("event %s: result taskId required", e.ID)
	case e.Type == tasks.EventMFARequired && e.MFA == nil:
		return fmt.Errorf("event %s: mfa required", e.ID)
	case (e.Type == tasks.EventBasiq || e.Type == tasks.EventConsentRevoked) && e.Basiq == nil:
		return fmt.Errorf("event %s: basiq event required", e.ID)
	case e.Type != tasks.EventResult && e.Type != tasks.EventMFARequired && e.Type != tasks.EventBasiq && e.Type != tasks.EventConsentRevoked:
		return fmt.Errorf("event %s: unknown type %q", e.ID, e.Type)
	}
	return nil
}
