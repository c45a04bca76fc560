package worker

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// PollPolicy decides when the next look at a running Basiq job happens.
//
// When the current step's expected duration is known (an institution's
// published averages) and Near is set, the looks cover the step's expected
// end: the first one Near after the earliest end the Spread allows (or at
// the latest end, when the whole spread is shorter than Near), then one
// every Near, the last at the latest end, so a step's end waits at most
// about Near to be seen and a step costs one or two looks. A step that runs past its
// latest end is looked at again after Factor-1 times its overrun (at least
// Near, at most Max): the continuous form of the exponential back-off. When
// nothing is known, looks back off exponentially from Initial by Factor up
// to Max, with Jitter spreading the looks of many jobs apart.
//
// With Near zero (the policy before it existed) the next look aims at the
// expected end itself, and a step still running then backs off from
// Initial.
type PollPolicy struct {
	// Initial is the first back-off delay (and the delay before the first look
	// when the first step's duration is unknown).
	Initial time.Duration
	// Factor multiplies the delay after each look that finds the step still
	// running (>= 1).
	Factor float64
	// Max caps every delay, including an aimed one.
	Max time.Duration
	// Jitter varies a backed-off delay by up to ±Jitter of itself (0 to <1).
	Jitter float64
	// Near is the interval of the looks around a step's expected end: the
	// longest its end waits to be seen there. 0 aims one look at the
	// expected end instead. Like every delay it is capped at Max, so a
	// policy that lowers Max below the default Near needs no Near of its own.
	Near time.Duration
	// Spread is how far a step's duration may fall from its expected one,
	// as a fraction of it (0.2: ±20%), unless the hint brings its own
	// (0 to <1).
	Spread float64
}

// Validate reports a policy that cannot work.
func (p PollPolicy) Validate() error {
	switch {
	case p.Initial <= 0:
		return errors.New("poll policy: Initial must be > 0")
	case p.Factor < 1:
		return errors.New("poll policy: Factor must be >= 1")
	case p.Max < p.Initial:
		return errors.New("poll policy: Max must be >= Initial")
	case p.Jitter < 0 || p.Jitter >= 1:
		return errors.New("poll policy: Jitter must be in [0, 1)")
	case p.Near < 0:
		return errors.New("poll policy: Near must be >= 0")
	case p.Spread < 0 || p.Spread >= 1:
		return errors.New("poll policy: Spread must be in [0, 1)")
	}
	return nil
}

// String formats p as ParsePollPolicy reads it:
// initial/factor/max/jitter, then /near/spread when Near is set.
func (p PollPolicy) String() string {
	s := fmt.Sprintf("%s/%g/%s/%g", p.Initial, p.Factor, p.Max, p.Jitter)
	if p.Near > 0 {
		s += fmt.Sprintf("/%s/%g", p.Near, p.Spread)
	}
	return s
}

// ParsePollPolicy reads "initial/factor/max/jitter[/near/spread]" (as
// String writes it), e.g. "500ms/1.5/5s/0.2/900ms/0.2", and validates it.
func ParsePollPolicy(s string) (PollPolicy, error) {
	var p PollPolicy
	f := strings.Split(strings.TrimSpace(s), "/")
	if len(f) != 4 && len(f) != 6 {
		return p, fmt.Errorf("poll policy %q: want initial/factor/max/jitter[/near/spread]", s)
	}
	errs := make([]error, 6)
	p.Initial, errs[0] = time.ParseDuration(f[0])
	p.Factor, errs[1] = strconv.ParseFloat(f[1], 64)
	p.Max, errs[2] = time.ParseDuration(f[2])
	p.Jitter, errs[3] = strconv.ParseFloat(f[3], 64)
	if len(f) == 6 {
		p.Near, errs[4] = time.ParseDuration(f[4])
		p.Spread, errs[5] = strconv.ParseFloat(f[5], 64)
	}
	if err := errors.Join(errs...); err != nil {
		return p, fmt.Errorf("poll policy %q: %v", s, err)
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("poll policy %q: %v", s, err)
	}
	return p, nil
}

// stepState is what the poller knows about the step a job is at.
type stepState struct {
	// Elapsed is how long ago the step began at the earliest (the chain's
	// StepSince).
	Elapsed time.Duration
	// Window is how much later it may have begun (StepBy - StepSince).
	Window time.Duration
	// Expected is the step's expected duration; zero when unknown.
	Expected time.Duration
	// Early and Late are how far below and above Expected, as fractions of
	// it, the step's durations were seen to fall (learned: expect.go); the
	// policy's Spread when larger.
	Early, Late float64
	// Looks is how many looks already found this step running.
	Looks int
}

// delay returns the wait before the next look. rnd is a uniform number in
// [0, 1) that drives the jitter (pass rand.Float64()).
func (p PollPolicy) delay(s stepState, rnd float64) time.Duration {
	switch {
	case s.Expected > 0 && p.Near > 0:
		return p.nearDelay(s, rnd)
	case s.Expected > 0 && s.Elapsed < s.Expected:
		// Aim at the expected end: no jitter.
		return min(s.Expected-s.Elapsed, p.Max)
	}
	n := s.Looks
	if s.Expected > 0 && n > 0 {
		n-- // the look that aimed at the expected end does not count as a back-off
	}
	d := float64(p.Initial) * math.Pow(p.Factor, float64(n))
	return p.jittered(min(d, float64(p.Max)), rnd)
}

// nearDelay is delay for a step whose expected duration is known, with
// Near set: see PollPolicy. Times are from the step's earliest start.
func (p PollPolicy) nearDelay(s stepState, rnd float64) time.Duration {
	near := min(p.Near, p.Max)
	early := p.earliestEnd(s.Expected, s.Early)
	late := time.Duration(float64(s.Expected)*(1+max(s.Late, p.Spread))) + s.Window
	first := min(early+near, late)
	switch {
	case s.Elapsed < first:
		return min(first-s.Elapsed, p.Max)
	case s.Elapsed < late:
		// Every Near, the last look at the latest end: a step that ends
		// after the look before waits for it, not for a look Near past
		// it. A remainder under a quarter of Near is not worth a look.
		if rest := late - s.Elapsed; rest < near && rest >= near/4 {
			return rest
		}
		return near
	}
	over := float64(s.Elapsed-late) * (p.Factor - 1)
	return max(p.jittered(min(over, float64(p.Max)), rnd), near)
}

// earliestEnd is how soon after it began a step of the expected duration
// may end: less the larger of the learned early spread and the policy's
// Spread. nearDelay aims the first look from it, and decide bounds the
// next step's start by it.
func (p PollPolicy) earliestEnd(expected time.Duration, early float64) time.Duration {
	return time.Duration(float64(expected) * (1 - max(early, p.Spread)))
}

// jittered varies d by ±Jitter (rnd in [0, 1)), never above Max.
func (p PollPolicy) jittered(d float64, rnd float64) time.Duration {
	d *= 1 + p.Jitter*(2*rnd-1)
	return time.Duration(min(d, float64(p.Max)))
}

// dueAt turns a delay into the time a follow-up task is scheduled for.
//
// asynq stores scheduled and retry times as whole Unix seconds and the
// forwarder moves a task once its second has begun, so a ProcessAt of 12.2 s
// would fire at 12.0 s: early. dueAt rounds up to the next whole second
// instead, so a task never runs before now+d (which Retry-After requires),
// at the price of up to one second (plus DelayedTaskCheckInterval) late.
func dueAt(now time.Time, d time.Duration) time.Time {
	t := now.Add(d)
	if tr := t.Truncate(time.Second); !tr.Equal(t) {
		return tr.Add(time.Second)
	}
	return t
}

// retryDelay returns the delay asynq should wait before retry n of a task
// that failed with a transient error: the policy's back-off by attempt.
func (p PollPolicy) retryDelay(n int, rnd float64) time.Duration {
	return p.delay(stepState{Looks: n}, rnd)
}
