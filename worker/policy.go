package worker

import (
	"errors"
	"math"
	"time"
)

// PollPolicy decides when the next look at a running Basiq job happens.
//
// When the current step's expected duration is known (an institution's
// published averages), the next look aims at the expected end of that step;
// once a step runs past its expected end, or when nothing is known, looks back
// off exponentially from Initial by Factor up to Max. Jitter spreads the
// backed-off looks of many jobs apart.
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
	}
	return nil
}

// stepState is what the poller knows about the step a job is at.
type stepState struct {
	// Elapsed is how long the step has been current (since the previous step
	// was seen to succeed, or since the job started).
	Elapsed time.Duration
	// Expected is the step's expected duration; zero when unknown.
	Expected time.Duration
	// Looks is how many looks already found this step running.
	Looks int
}

// delay returns the wait before the next look. rnd is a uniform number in
// [0, 1) that drives the jitter (pass rand.Float64()).
func (p PollPolicy) delay(s stepState, rnd float64) time.Duration {
	if s.Expected > 0 && s.Elapsed < s.Expected {
		// Aim at the expected end: no jitter, the whole-second rounding of
		// the schedule (dueAt) already spreads jobs apart.
		return min(s.Expected-s.Elapsed, p.Max)
	}
	n := s.Looks
	if s.Expected > 0 && n > 0 {
		n-- // the look that aimed at the expected end does not count as a back-off
	}
	d := float64(p.Initial) * math.Pow(p.Factor, float64(n))
	d = min(d, float64(p.Max))
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
