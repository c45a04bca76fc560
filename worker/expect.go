package worker

import (
	"context"
	"maps"
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

// stepHint is what the poll policy knows of a step's duration: the
// institution's published average, and how far below (Early) and above
// (Late) it, as fractions of it, this process saw the step's durations
// fall (0 until learned: the policy's Spread).
type stepHint struct {
	Expected    time.Duration
	Early, Late float64
}

// stepSpan bounds the duration of a step a look saw end: at least Min, at
// most Max (decide.go, finished).
type stepSpan struct {
	Title    string
	Min, Max time.Duration
}

// How the spread of a step's durations is learned (expectations.learn): a
// stochastic approximation of the duration's missShare and 1-missShare
// quantiles, as fractions of the average. A step seen to end surely below
// the earliest end (or surely above the latest) widens that side by
// learnRate×(1-missShare); one surely within narrows it by
// learnRate×missShare; so about missShare of the steps end outside, on each
// side. Steps whose bounds straddle the edge say nothing. A side never
// narrows below the policy's Spread, Early stays under maxEarly, Late under
// maxLate.
const (
	learnRate = 0.05
	missShare = 0.01
	maxEarly  = 0.95
	maxLate   = 4.0
)

// expectations caches institutions' average step durations, which the poll
// policy aims at, with the spread of the durations this process saw. A
// lookup that fails leaves the policy to back off. A burst of tasks of one
// institution with nothing cached makes one lookup (singleflight), not one
// each.
type expectations struct {
	basiq Basiq
	mu    sync.Mutex
	m     map[string]expectEntry
	fetch singleflight.Group
}

type expectEntry struct {
	// steps is never changed once stored (learn stores a new map): decide
	// reads it without the lock.
	steps map[string]stepHint
	until time.Time
}

func newExpectations(b Basiq) *expectations {
	return &expectations{basiq: b, m: map[string]expectEntry{}}
}

// steps returns what is known of institution's steps by title, or nil.
func (e *expectations) steps(ctx context.Context, institution string) map[string]stepHint {
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
		fetched := expectEntry{until: time.Now().Add(failTTL)}
		// Not the caller's ctx alone: its cancel would fail the lookup for
		// every task sharing it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if avg, err := e.basiq.StepDurations(ctx, institution); err == nil {
			fetched = expectEntry{steps: map[string]stepHint{}, until: time.Now().Add(expectTTL)}
			for title, d := range avg {
				fetched.steps[title] = stepHint{Expected: d}
			}
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		for title, h := range e.m[institution].steps { // what was learned stays
			if f, ok := fetched.steps[title]; ok {
				f.Early, f.Late = h.Early, h.Late
				fetched.steps[title] = f
			}
		}
		e.m[institution] = fetched
		return fetched.steps, nil
	})
	steps, _ := v.(map[string]stepHint)
	return steps
}

// learn updates the spread of institution's steps from spans, the steps a
// look saw end; floor is the policy's Spread.
func (e *expectations) learn(institution string, spans []stepSpan, floor float64) {
	if e == nil || len(spans) == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ent, ok := e.m[institution]
	if !ok || ent.steps == nil {
		return
	}
	steps := maps.Clone(ent.steps)
	for _, sp := range spans {
		if h, ok := steps[sp.Title]; ok && h.Expected > 0 {
			steps[sp.Title] = h.learn(sp, floor)
		}
	}
	ent.steps = steps
	e.m[institution] = ent
}

// learn is h after a step of duration within sp (see learnRate).
func (h stepHint) learn(sp stepSpan, floor float64) stepHint {
	lo := float64(sp.Min)/float64(h.Expected) - 1 // the duration's deviation from the average, at least
	hi := float64(sp.Max)/float64(h.Expected) - 1 // and at most
	early, late := max(h.Early, floor), max(h.Late, floor)
	switch {
	case hi < -early:
		early += learnRate * (1 - missShare)
	case lo >= -early:
		early -= learnRate * missShare
	}
	switch {
	case lo > late:
		late += learnRate * (1 - missShare)
	case hi <= late:
		late -= learnRate * missShare
	}
	h.Early = min(max(early, floor), maxEarly)
	h.Late = min(max(late, floor), maxLate)
	return h
}
