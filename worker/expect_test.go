package worker

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowStats is a Basiq whose institution lookup takes a while and is
// counted, so that a burst of lookups overlaps.
type slowStats struct {
	*fakeBasiq
	fetches atomic.Int32
}

func (s *slowStats) StepDurations(context.Context, string) (map[string]time.Duration, error) {
	s.fetches.Add(1)
	time.Sleep(50 * time.Millisecond)
	return map[string]time.Duration{"verify-credentials": 8 * time.Second}, nil
}

// A burst of polls of one institution with nothing cached fetches its step
// durations once, and each gets them.
func TestExpectations_burstFetchesOnce(t *testing.T) {
	b := &slowStats{fakeBasiq: newFakeBasiq()}
	e := newExpectations(b)
	var wg sync.WaitGroup
	var wrong atomic.Int32
	for range 50 {
		wg.Go(func() {
			if e.steps(t.Context(), "AU00000")["verify-credentials"] != 8*time.Second {
				wrong.Add(1)
			}
		})
	}
	wg.Wait()
	if n := b.fetches.Load(); n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}
	if n := wrong.Load(); n != 0 {
		t.Errorf("%d of 50 callers got no durations", n)
	}
	e.steps(t.Context(), "AU00000") // cached
	if n := b.fetches.Load(); n != 1 {
		t.Errorf("fetches after a cached look = %d, want 1", n)
	}
}
