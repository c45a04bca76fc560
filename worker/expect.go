package worker

import (
	"context"
	"sync"
	"time"
)

// expectTTL is how long an institution's step durations are cached, and
// failTTL how long a failed lookup is not retried.
const (
	expectTTL = time.Hour
	failTTL   = time.Minute
)

// expectations caches institutions' average step durations, which the poll
// policy aims at. A lookup that fails leaves the policy to back off.
type expectations struct {
	basiq Basiq
	mu    sync.Mutex
	m     map[string]expectEntry
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
	if !ok || time.Now().After(ent.until) {
		ent = expectEntry{until: time.Now().Add(failTTL)}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if steps, err := e.basiq.StepDurations(ctx, institution); err == nil {
			ent = expectEntry{steps: steps, until: time.Now().Add(expectTTL)}
		}
		e.mu.Lock()
		e.m[institution] = ent
		e.mu.Unlock()
	}
	return ent.steps
}
