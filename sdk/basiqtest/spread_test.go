package basiqtest

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestJittered_spreads draws the step durations of 4,000 jobs under each
// spread: the mean stays the configured duration, the uniform spread stays
// inside d·(1±jitter), the log-normal one has its long right tail and cap.
func TestJittered_spreads(t *testing.T) {
	const d = 10 * time.Second
	for _, tc := range []struct {
		name     string
		spread   Spread
		jitter   float64
		min, max time.Duration // bounds of every draw
		p95      [2]time.Duration
	}{
		{"uniform", SpreadUniform, 0.2, 8 * time.Second, 12 * time.Second, [2]time.Duration{11 * time.Second, 12 * time.Second}},
		{"lognormal", SpreadLogNormal, 0.6, 0, 10 * d, [2]time.Duration{19 * time.Second, 25 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(WithJitter(tc.jitter), WithSpread(tc.spread))
			var ds []time.Duration
			var sum time.Duration
			for i := range 4000 {
				v := s.jittered(fmt.Sprintf("job-%d", i), i%3, d)
				if v < tc.min || v > tc.max {
					t.Fatalf("draw %v outside [%v, %v]", v, tc.min, tc.max)
				}
				ds, sum = append(ds, v), sum+v
			}
			if mean := sum / time.Duration(len(ds)); mean < 9500*time.Millisecond || mean > 10500*time.Millisecond {
				t.Errorf("mean %v, want %v ±5%%", mean, d)
			}
			slices.Sort(ds)
			if p95 := ds[len(ds)*95/100]; p95 < tc.p95[0] || p95 > tc.p95[1] {
				t.Errorf("95th percentile %v, want in %v", p95, tc.p95)
			}
		})
	}
}
