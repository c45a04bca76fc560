package worker

import (
	"testing"
	"time"
)

func TestPollPolicy_Delay(t *testing.T) {
	p := PollPolicy{Initial: time.Second, Factor: 2, Max: 10 * time.Second, Jitter: 0.5}
	tests := []struct {
		name string
		s    stepState
		rnd  float64
		want time.Duration
	}{
		{"unknown first look", stepState{}, 0.5, time.Second},
		{"unknown backs off", stepState{Looks: 2}, 0.5, 4 * time.Second},
		{"capped at max", stepState{Looks: 10}, 0.5, 10 * time.Second},
		{"jitter low", stepState{Looks: 1}, 0, time.Second},
		{"jitter high stays under max", stepState{Looks: 3}, 0.999, 10 * time.Second},
		{"aims at expected end", stepState{Elapsed: 2 * time.Second, Expected: 8 * time.Second}, 0.9, 6 * time.Second},
		{"aim capped at max", stepState{Expected: 30 * time.Second}, 0.5, 10 * time.Second},
		{"past expected end: initial", stepState{Elapsed: 9 * time.Second, Expected: 8 * time.Second, Looks: 1}, 0.5, time.Second},
		{"past expected end: backs off", stepState{Elapsed: 12 * time.Second, Expected: 8 * time.Second, Looks: 3}, 0.5, 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.delay(tt.s, tt.rnd)
			if diff := got - tt.want; diff > time.Millisecond || diff < -time.Millisecond {
				t.Errorf("Delay(%+v, %v) = %v, want %v", tt.s, tt.rnd, got, tt.want)
			}
		})
	}
}

func TestPollPolicy_Validate(t *testing.T) {
	tests := []struct {
		name string
		p    PollPolicy
		ok   bool
	}{
		{"default", DefaultConfig().Policy, true},
		{"zero initial", PollPolicy{Factor: 1, Max: time.Second}, false},
		{"factor below 1", PollPolicy{Initial: time.Second, Factor: 0.5, Max: time.Second}, false},
		{"max below initial", PollPolicy{Initial: time.Second, Factor: 1, Max: time.Millisecond}, false},
		{"jitter 1", PollPolicy{Initial: time.Second, Factor: 1, Max: time.Second, Jitter: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestDueAt(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		now  time.Time
		d    time.Duration
		want time.Time
	}{
		{"whole second stays", base, 2 * time.Second, base.Add(2 * time.Second)},
		{"fraction rounds up", base.Add(700 * time.Millisecond), 1500 * time.Millisecond, base.Add(3 * time.Second)},
		{"tiny delay rounds up", base.Add(100 * time.Millisecond), time.Millisecond, base.Add(time.Second)},
		{"zero at whole second", base, 0, base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dueAt(tt.now, tt.d)
			if !got.Equal(tt.want) {
				t.Errorf("dueAt(%v, %v) = %v, want %v", tt.now, tt.d, got, tt.want)
			}
			if got.Before(tt.now.Add(tt.d)) {
				t.Errorf("dueAt(%v, %v) = %v: earlier than asked", tt.now, tt.d, got)
			}
			if got.Nanosecond() != 0 {
				t.Errorf("dueAt = %v: not a whole second", got)
			}
		})
	}
}
