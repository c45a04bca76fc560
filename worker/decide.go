package worker

// The poll decision. A job:poll task looks at its job (one GET, the
// handler's), then decide chooses what follows from the chain's state, the
// job and the time. decide only reads its inputs, so every action is
// tested by table without Redis or Basiq (decide_test.go); PollJob only
// does the I/O around it and performs the action.

import (
	"fmt"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// pollAction is what a poll does after its look at the job.
type pollAction int

const (
	actPoll      pollAction = iota // still running: look again at due
	actWaitMFA                     // waiting on the user's MFA answer: publish challenge, look again at due
	actComplete                    // every step succeeded: list the accounts, publish completed
	actFail                        // a step failed for good: publish failed with err
	actRefresh                     // a step failed on the institution's side: refresh the connection at due
	actTimeOut                     // still running at the deadline: publish timed_out with err
	actWaitBasiq                   // a step failed with service-unavailable, which Basiq retries itself: look again slowly at due
)

var actionNames = [...]string{"poll", "wait-mfa", "complete", "fail", "refresh", "time-out", "wait-basiq"}

func (a pollAction) String() string { return actionNames[a] }

// action is decide's answer.
type action struct {
	kind  pollAction
	due   time.Time        // actPoll, actWaitMFA, actRefresh, actWaitBasiq: when the next task runs
	delay time.Duration    // actRefresh: the back-off before the refresh
	err   *tasks.ErrorInfo // actFail, actTimeOut; actRefresh: the step's failure
	// finished bounds the duration of the step the look saw end, when it
	// can (for expectations.learn).
	finished []stepSpan
	// challenge is the open MFA challenge (actWaitMFA), to publish to the
	// tasks waiting on the job, and to the chain's own task when owner (it
	// has not been published to it yet).
	challenge *sdk.StepResult
	owner     bool
}

// rules are what decide needs besides the state and the job.
type rules struct {
	policy PollPolicy
	// expected are the institution's average step durations by step title,
	// with their learned spread; nil when unknown (the policy backs off).
	expected    map[string]stepHint
	stepRetries int           // Config.StepRetries
	stepDelay   time.Duration // Config.StepRetryDelay
	// unavailable is Config.UnavailablePoll: the interval of the looks at
	// a job whose step failed with service-unavailable; 0 treats it as
	// any institution-side failure (refreshed).
	unavailable time.Duration
	rnd         float64 // a uniform draw in [0, 1) for the jitter
}

// decide records what the look at job found in s and chooses the next
// action. A job that ended is acted on even past the deadline: its outcome
// is known. s.Deadline is the chain's (the handler reads the latest one
// before calling decide).
func decide(s pollPayload, job *sdk.Job, now time.Time, r rules) (pollPayload, action) {
	var fin []stepSpan
	if sp, ok := finished(s.chain, job, now); ok {
		fin = []stepSpan{sp}
	}
	s = observe(s, job, now, r)
	var act action
	switch {
	case job.Done():
		s, act = ended(s, job, now, r)
	case !now.Before(s.Deadline):
		act = action{kind: actTimeOut, err: timedOut(s)}
	default:
		s, act = running(s, job, now, r)
	}
	act.finished = fin
	return s, act
}

// running decides for a job still running before its deadline: look again.
func running(s pollPayload, job *sdk.Job, now time.Time, r rules) (pollPayload, action) {
	act := action{kind: actPoll}
	if c := mfaPending(job); c != nil {
		// A person is answering: look every Initial rather than backing off,
		// so the job goes on soon after the answer.
		act.kind, act.challenge, act.owner = actWaitMFA, c, !s.MFASent
		s.MFASent, s.Looks = true, 0
	}
	act.due = r.nextLook(s.chain, now)
	s.N++
	return s, act
}

// ended decides for a job that ended: completed, followed slowly after a
// service-unavailable failure (see unavailable), refreshed later after
// another institution-side failure (StepRetryDelay doubling with each
// refresh, while the refresh falls before the deadline), or failed.
func ended(s pollPayload, job *sdk.Job, now time.Time, r rules) (pollPayload, action) {
	step, failed := job.FailedStep()
	if !failed {
		return s, action{kind: actComplete}
	}
	e := stepError(step)
	if sdk.ErrorCode(e.Code) == sdk.CodeServiceUnavailable && r.unavailable > 0 {
		return unavailable(s, e, now, r)
	}
	if retryableStep(sdk.ErrorCode(e.Code)) && s.Retries < r.stepRetries && s.ConnectionID != "" {
		delay := r.stepDelay << s.Retries
		if due := dueAt(now, delay); !due.After(s.Deadline) {
			s.Action, s.N = actionRefresh, s.N+1
			return s, action{kind: actRefresh, due: due, delay: delay, err: e}
		}
	}
	return s, action{kind: actFail, err: e}
}

// unavailable decides for a job whose step failed with service-unavailable.
// Basiq retries such a job on its side (every 2 hours, for up to 7 days),
// so a refresh would only start a second job and spend the connection's
// refresh budget: the chain looks at the same job again every
// r.unavailable (minutes), the last look at the deadline, and then fails
// with Basiq's code and a detail saying what was done.
func unavailable(s pollPayload, e *tasks.ErrorInfo, now time.Time, r rules) (pollPayload, action) {
	if now.Before(s.Deadline) {
		due := now.Add(r.unavailable)
		if due.After(s.Deadline) {
			due = s.Deadline
		}
		s.N++
		return s, action{kind: actWaitBasiq, due: due, err: e}
	}
	since := now
	for _, o := range s.Steps {
		if o.Title == e.Step && o.Status == sdk.StatusFailed {
			since = o.ObservedAt
		}
	}
	e.Detail = strings.TrimSpace(fmt.Sprintf("%s Basiq retries a service-unavailable job on its side: the worker looked at it every %s "+
		"from %s (first seen failed) until the task's deadline %s, %d looks in all, and it had not recovered.",
		e.Detail, r.unavailable, stamp(since), stamp(s.Deadline), s.Polls))
	return s, action{kind: actFail, err: e}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// nextLook is when to look at c's job next: the policy's delay for its
// current step, never past the deadline (so a job that does not end times
// out on time).
func (r rules) nextLook(c chain, now time.Time) time.Time {
	h := r.expected[c.Step]
	st := stepState{Elapsed: now.Sub(c.StepSince), Expected: h.Expected, Early: h.Early, Late: h.Late, Looks: c.Looks}
	if c.StepBy.After(c.StepSince) {
		st.Window = c.StepBy.Sub(c.StepSince)
	}
	d := r.policy.delay(st, r.rnd)
	if left := c.Deadline.Sub(now); d > left {
		d = max(left, 0)
	}
	return now.Add(d)
}

// observe records in s the job's step status changes, the current step
// and the look, and learns the connection id.
func observe(s pollPayload, job *sdk.Job, now time.Time, r rules) pollPayload {
	if s.ConnectionID == "" {
		s.ConnectionID = job.ConnectionID()
	}
	for _, st := range job.Steps {
		if last := lastStatus(s.Steps, st.Title); last == st.Status || (last == "" && st.Status == sdk.StatusPending) {
			continue
		}
		s.Steps = append(s.Steps, tasks.StepObservation{Title: st.Title, Status: st.Status, ObservedAt: now})
	}
	cur := job.CurrentStep()
	switch {
	case cur == nil:
	case cur.Title != s.Step:
		s.StepSince, s.StepBy = r.stepStart(s.chain, job, cur.Title, now)
		s.Step, s.Looks = cur.Title, 0
	default:
		s.Looks++
	}
	s.LastLook = now
	return s
}

// stepStart bounds when the step title, seen current for the first time
// by the look at now, began: not before the previous look (which saw c.Step
// current), Basiq's updated, nor, when title follows c.Step, the earliest
// end the policy expects of c.Step; not after now, nor after the second of
// Basiq's updated.
//
// Basiq's updated has whole seconds (and Basiq's clock), so it is used
// only when it falls between the previous look and now. The lower bound is
// what the looks aim from: aiming from it looks a little early (one more
// look), never a whole step late.
func (r rules) stepStart(c chain, job *sdk.Job, title string, now time.Time) (since, by time.Time) {
	since, by = changed(c, job, now)
	if prev := r.expected[c.Step]; prev.Expected > 0 && r.policy.Near > 0 && follows(job, c.Step, title) {
		if t := c.StepSince.Add(r.policy.earliestEnd(prev.Expected, prev.Early)); t.After(since) {
			since = t
		}
	}
	if since.After(by) {
		since = by
	}
	return since, by
}

// changed bounds when the job's last step status change happened, seen by
// the look at now and not by the one before: after that look and Basiq's
// updated, before now and the second after updated (when updated falls
// between the two looks).
func changed(c chain, job *sdk.Job, now time.Time) (after, before time.Time) {
	after, before = c.LastLook, now
	if u := job.Updated; !u.IsZero() && u.After(c.LastLook) && u.Before(now) {
		after = u
		if end := u.Add(time.Second); end.Before(now) {
			before = end
		}
	}
	return after, before
}

// finished bounds the duration of c.Step when the look at now sees it
// succeed and nothing else change (the next step running, or c.Step the
// last): it began between c.StepSince and c.StepBy and ended as changed
// says. ok is false when the look cannot say.
func finished(c chain, job *sdk.Job, now time.Time) (stepSpan, bool) {
	if c.Step == "" || c.StepBy.IsZero() || c.LastLook.IsZero() {
		return stepSpan{}, false
	}
	for i, st := range job.Steps {
		if st.Title != c.Step {
			continue
		}
		last := i == len(job.Steps)-1
		if st.Status != sdk.StatusSuccess || (!last && job.Steps[i+1].Status != sdk.StatusInProgress) {
			return stepSpan{}, false
		}
		end, by := changed(c, job, now)
		return stepSpan{Title: c.Step, Min: end.Sub(c.StepBy), Max: by.Sub(c.StepSince)}, true
	}
	return stepSpan{}, false
}

// follows reports whether step next comes right after step prev in job.
func follows(job *sdk.Job, prev, next string) bool {
	for i := 1; i < len(job.Steps); i++ {
		if job.Steps[i].Title == next {
			return job.Steps[i-1].Title == prev
		}
	}
	return false
}

func lastStatus(obs []tasks.StepObservation, title string) string {
	for i := len(obs) - 1; i >= 0; i-- {
		if obs[i].Title == title {
			return obs[i].Status
		}
	}
	return ""
}

// mfaPending returns the challenge of a job waiting on an in-progress
// mfa-challenge step, or nil.
func mfaPending(job *sdk.Job) *sdk.StepResult {
	s, ok := job.Step(sdk.StepMFAChallenge)
	if !ok || s.Status != sdk.StatusInProgress || s.Result == nil || s.Result.Type != "mfa" {
		return nil
	}
	return s.Result
}
