package worker

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// expectTTL is how long an institution's step durations are cached, and
// failTTL how long a failed lookup is not retried.
const (
	expectTTL = time.Hour
	failTTL   = time.Minute
)

// expectations caches institutions' average step durations, which the poll
// policy aims at. A lookup that fails leaves the policy to back off. A
// burst of tasks of one institution with nothing cached makes one lookup
// (singleflight), not one each.
type expectations struct {
	basiq Basiq
	mu    sync.Mutex
	m     map[string]expectEntry
	fetch singleflight.Group
}

type expectEntry struct {
	steps map[string]time.Duration
	until time.Time
}

func newExpectations(b Basiq) *expectations {
	return &expectations{basiq: b, m: map[string]expectEntry{}}
}

// steps returns the expected durations of institution's steps by title,
// or nil.
func (e *expectations) steps(ctx context.Context, institution string) map[string]time.Duration {
	if e == nil || institution == "" {
		return nil
	}
	e.mu.Lock()
	ent, ok := e.m[institution]
	e.mu.Unlock()
	if ok && !time.Now().After(ent.until) {
		return ent.steps
	}
	v, _, _ := e.fetch.Do(institution, func() (any, error) {
		ent := expectEntry{until: time.Now().Add(failTTL)}
		// Not the caller's ctx alone: its cancel would fail the lookup for
		// every task sharing it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if steps, err := e.basiq.StepDurations(ctx, institution); err == nil {
			ent = expectEntry{steps: steps, until: time.Now().Add(expectTTL)}
		}
		e.mu.Lock()
		e.m[institution] = ent
		e.mu.Unlock()
		return ent.steps, nil
	})
	steps, _ := v.(map[string]time.Duration)
	return steps
}
