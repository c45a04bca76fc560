package worker

import (
	"context"
	"math"
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
			if e.steps(t.Context(), "AU00000")["verify-credentials"].Expected != 8*time.Second {
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

// TestStepHint_learn: a step surely outside the spread widens that side, one
// surely inside narrows it a little, one straddling an edge says nothing;
// never below the policy's spread nor above the bounds.
func TestStepHint_learn(t *testing.T) {
	h := stepHint{Expected: 10 * time.Second, Early: 0.3, Late: 0.3}
	widen, narrow := learnRate*(1-missShare), learnRate*missShare
	tests := []struct {
		name        string
		h           stepHint
		min, max    time.Duration
		floor       float64
		early, late float64
	}{
		{"surely early", h, 5 * time.Second, 6 * time.Second, 0.2, 0.3 + widen, 0.3 - narrow},
		{"surely within", h, 9 * time.Second, 11 * time.Second, 0.2, 0.3 - narrow, 0.3 - narrow},
		{"straddles the earliest end", h, 6 * time.Second, 8 * time.Second, 0.2, 0.3, 0.3 - narrow},
		{"surely late", h, 14 * time.Second, 15 * time.Second, 0.2, 0.3 - narrow, 0.3 + widen},
		{"straddles the latest end", h, 12 * time.Second, 14 * time.Second, 0.2, 0.3 - narrow, 0.3},
		{"not below the policy's spread", h, 9 * time.Second, 11 * time.Second, 0.3, 0.3, 0.3},
		{"nothing learned yet: from the policy's spread", stepHint{Expected: 10 * time.Second}, 5 * time.Second, 6 * time.Second, 0.2, 0.2 + widen, 0.2},
		{"early stays under its bound", stepHint{Expected: 10 * time.Second, Early: maxEarly}, 0, time.Second, 0.2, maxEarly, 0.2},
		{"late stays under its bound", stepHint{Expected: 10 * time.Second, Late: maxLate}, time.Minute, 2 * time.Minute, 0.2, 0.2, maxLate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.h.learn(stepSpan{Min: tt.min, Max: tt.max}, tt.floor)
			if math.Abs(got.Early-tt.early) > 1e-9 || math.Abs(got.Late-tt.late) > 1e-9 || got.Expected != tt.h.Expected {
				t.Errorf("learn = %+v, want early %g, late %g", got, tt.early, tt.late)
			}
		})
	}
}

// What a process learns of an institution's steps is what the next looks
// read, the map handed out before stays as it was (decide reads it without
// a lock), and a refetch of the averages keeps it.
func TestExpectations_learn(t *testing.T) {
	b := &slowStats{fakeBasiq: newFakeBasiq()}
	e := newExpectations(b)
	before := e.steps(t.Context(), "AU00000")
	early := []stepSpan{{Title: "verify-credentials", Min: time.Second, Max: 2 * time.Second}}
	e.learn("AU00000", early, 0.2)
	e.learn("AU00999", early, 0.2) // nothing cached: nothing learned
	e.learn("AU00000", []stepSpan{{Title: "retrieve-accounts", Min: time.Second, Max: 2 * time.Second}}, 0.2)
	want := 0.2 + learnRate*(1-missShare)
	if got := e.steps(t.Context(), "AU00000")["verify-credentials"]; math.Abs(got.Early-want) > 1e-9 {
		t.Errorf("after learning: %+v, want Early %g", got, want)
	}
	if got := before["verify-credentials"]; got.Early != 0 {
		t.Errorf("the map handed out before changed: %+v", got)
	}
	if _, ok := e.steps(t.Context(), "AU00000")["retrieve-accounts"]; ok {
		t.Error("a step the institution does not publish was added")
	}
	e.mu.Lock()
	ent := e.m["AU00000"]
	ent.until = time.Now().Add(-time.Second)
	e.m["AU00000"] = ent
	e.mu.Unlock()
	got := e.steps(t.Context(), "AU00000")["verify-credentials"]
	if n := b.fetches.Load(); n != 2 || math.Abs(got.Early-want) > 1e-9 {
		t.Errorf("after a refetch (%d fetches): %+v, want Early %g kept", n, got, want)
	}
}
