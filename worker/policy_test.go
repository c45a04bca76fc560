package worker

import (
	"strings"
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
	// Near set: the looks cover the step's expected end.
	pn := p
	pn.Near, pn.Spread = 800*time.Millisecond, 0.25
	near := []struct {
		name string
		s    stepState
		rnd  float64
		want time.Duration
	}{
		{"near: first look Near after the earliest end", stepState{Expected: 4 * time.Second}, 0.9, 3800 * time.Millisecond},
		{"near: first look from the elapsed time", stepState{Elapsed: time.Second, Expected: 4 * time.Second}, 0.9, 2800 * time.Millisecond},
		{"near: spread shorter than Near: one look at the latest end", stepState{Expected: time.Second}, 0.5, 1250 * time.Millisecond},
		{"near: an uncertain start moves the latest end", stepState{Expected: time.Second, Window: 500 * time.Millisecond}, 0.5, 1550 * time.Millisecond},
		{"near: a learned early spread", stepState{Expected: 4 * time.Second, Early: 0.5}, 0.5, 2800 * time.Millisecond},
		{"near: a learned late spread", stepState{Expected: time.Second, Late: 0.75}, 0.5, 1550 * time.Millisecond},
		{"near: the policy's spread when larger than the learned one", stepState{Expected: 4 * time.Second, Early: 0.1}, 0.5, 3800 * time.Millisecond},
		{"near: inside the spread: every Near", stepState{Elapsed: 4 * time.Second, Expected: 4 * time.Second, Looks: 1}, 0.9, 800 * time.Millisecond},
		{"near: the last look at the latest end", stepState{Elapsed: 4500 * time.Millisecond, Expected: 4 * time.Second, Looks: 2}, 0.9, 500 * time.Millisecond},
		{"near: a remainder under a quarter of Near: Near", stepState{Elapsed: 4900 * time.Millisecond, Expected: 4 * time.Second, Looks: 2}, 0.9, 800 * time.Millisecond},
		{"near: past the latest end: Factor-1 of the overrun", stepState{Elapsed: 9 * time.Second, Expected: 4 * time.Second, Looks: 3}, 0.5, 4 * time.Second},
		{"near: past the latest end: jittered", stepState{Elapsed: 9 * time.Second, Expected: 4 * time.Second, Looks: 3}, 0, 2 * time.Second},
		{"near: just past the latest end: at least Near", stepState{Elapsed: 5200 * time.Millisecond, Expected: 4 * time.Second, Looks: 2}, 0.5, 800 * time.Millisecond},
		{"near: long overrun capped at max", stepState{Elapsed: 40 * time.Second, Expected: 4 * time.Second, Looks: 9}, 0.999, 10 * time.Second},
		{"near: aim capped at max", stepState{Expected: 30 * time.Second}, 0.5, 10 * time.Second},
		{"near: unknown step backs off", stepState{Looks: 2}, 0.5, 4 * time.Second},
	}
	// A Max below Near (POLL_MAX_DELAY lowered, POLL_NEAR_INTERVAL left at
	// its default) caps Near: inside the spread and just past it, looks
	// come every Max.
	pm := pn
	pm.Max = 500 * time.Millisecond
	for _, tt := range []struct {
		name string
		s    stepState
	}{
		{"inside the spread", stepState{Elapsed: 4 * time.Second, Expected: 4 * time.Second, Looks: 1}},
		{"just past the latest end", stepState{Elapsed: 5200 * time.Millisecond, Expected: 4 * time.Second, Looks: 2}},
	} {
		if got := pm.delay(tt.s, 0.5); got != pm.Max {
			t.Errorf("Max below Near, %s: Delay(%+v) = %v, want Max %v", tt.name, tt.s, got, pm.Max)
		}
	}
	for _, tt := range near {
		t.Run(tt.name, func(t *testing.T) {
			if got := pn.delay(tt.s, tt.rnd); got != tt.want {
				t.Errorf("Delay(%+v, %v) = %v, want %v", tt.s, tt.rnd, got, tt.want)
			}
		})
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
		{"near above max: capped, not refused", PollPolicy{Initial: time.Second, Factor: 1, Max: time.Second, Near: 2 * time.Second}, true},
		{"negative near", PollPolicy{Initial: time.Second, Factor: 1, Max: time.Second, Near: -time.Second}, false},
		{"spread 1", PollPolicy{Initial: time.Second, Factor: 1, Max: time.Second, Near: time.Second, Spread: 1}, false},
		{"near and spread", PollPolicy{Initial: time.Second, Factor: 1, Max: time.Second, Near: time.Second, Spread: 0.5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestParsePollPolicy(t *testing.T) {
	tests := []struct {
		in   string
		want PollPolicy
		err  string
	}{
		{in: "500ms/1.5/5s/0.2", want: PollPolicy{Initial: 500 * time.Millisecond, Factor: 1.5, Max: 5 * time.Second, Jitter: 0.2}},
		{in: " 1s/2/8s/0/900ms/0.3 ", want: PollPolicy{Initial: time.Second, Factor: 2, Max: 8 * time.Second, Near: 900 * time.Millisecond, Spread: 0.3}},
		{in: "1s/2/8s", err: "want initial/factor/max/jitter[/near/spread]"},
		{in: "1s/2/8s/0/900ms", err: "want initial/factor/max/jitter[/near/spread]"},
		{in: "1s/2/8s/0/soon/0.3", err: `time: invalid duration "soon"`},
		{in: "1s/2/8s/0/900ms/1.2", err: "Spread must be in [0, 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePollPolicy(tt.in)
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParsePollPolicy(%q) error %v, want one containing %q", tt.in, err, tt.err)
				}
				return
			case err != nil:
				t.Fatalf("ParsePollPolicy(%q): %v", tt.in, err)
			case got != tt.want:
				t.Fatalf("ParsePollPolicy(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if back, err := ParsePollPolicy(got.String()); err != nil || back != got {
				t.Errorf("round trip of %q through String %q: %+v, %v", tt.in, got.String(), back, err)
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
