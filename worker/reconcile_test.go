package worker

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
)

func TestDecideReconcile(t *testing.T) {
	now := time.Now()
	later, past := now.Add(time.Hour), now.Add(-time.Second)
	tests := []struct {
		name     string
		found    int
		elapsed  time.Duration
		deadline time.Time
		last     bool
		want     reconcileAction
	}{
		{"one found, settled", 1, time.Minute, later, false, reconcileAdopt},
		{"one found, past deadline: adopt, the poll times it out", 1, time.Minute, past, false, reconcileAdopt},
		{"one found early: another task's call may be in flight", 1, time.Second, later, false, reconcileWait},
		{"one found early, last attempt", 1, time.Second, later, true, reconcileAdopt},
		{"none, settled", 0, time.Minute, later, false, reconcileResend},
		{"none, settled, past deadline", 0, time.Minute, past, false, reconcileExpired},
		{"none early", 0, time.Second, later, false, reconcileWait},
		{"none early, last attempt", 0, time.Second, later, true, reconcileUnknown},
		{"two, settled", 2, time.Minute, later, false, reconcileUnknown},
		{"two early", 2, time.Second, later, false, reconcileWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decideReconcile(tt.found, tt.elapsed, time.Minute, now, tt.deadline, tt.last); got != tt.want {
				t.Errorf("decideReconcile = %d, want %d", got, tt.want)
			}
		})
	}
}

func conn(id, institution string, created time.Time) *sdk.Connection {
	return &sdk.Connection{ID: id, CreatedDate: created.UTC().Format(time.RFC3339), Institution: &sdk.Resource{ID: institution}}
}

// TestCreateConnection_lostAnswer: a create whose answer was lost is
// looked up at Basiq on its next run, then adopted, sent again or reported.
func TestCreateConnection_lostAnswer(t *testing.T) {
	lost := &url.Error{Op: "Post", URL: "http://x", Err: errors.New("timeout")}
	tests := []struct {
		name       string
		conns      func(now time.Time) []*sdk.Connection
		otherOwner bool // the job found is followed by another task
		settle     time.Duration
		last       bool
		later      time.Duration // the second run's clock is this far ahead
		listErr    error
		wantPoll   string          // first poll scheduled, "" for none
		wantCode   tasks.ErrorCode // result's error code, "" for none
		wantRetry  bool
		wantSends  int
	}{
		{name: "found: adopted", conns: func(now time.Time) []*sdk.Connection { return []*sdk.Connection{conn("c-9", "AU00000", now)} },
			wantPoll: pollTaskID("j-c-9", 1), wantSends: 1},
		{name: "found early: looked at again later", conns: func(now time.Time) []*sdk.Connection { return []*sdk.Connection{conn("c-9", "AU00000", now)} },
			settle: time.Hour, wantRetry: true, wantSends: 1},
		{name: "found early, last attempt: adopted", conns: func(now time.Time) []*sdk.Connection { return []*sdk.Connection{conn("c-9", "AU00000", now)} },
			settle: time.Hour, last: true, wantPoll: pollTaskID("j-c-9", 1), wantSends: 1},
		{name: "nothing at Basiq: sent again", wantPoll: pollTaskID("j-new", 1), wantSends: 2},
		{name: "older and other banks' connections are not ours: sent again", conns: func(now time.Time) []*sdk.Connection {
			return []*sdk.Connection{conn("c-old", "AU00000", now.Add(-time.Hour)), conn("c-other", "AU00201", now)}
		}, wantPoll: pollTaskID("j-new", 1), wantSends: 2},
		{name: "another task's job is not ours: sent again", conns: func(now time.Time) []*sdk.Connection { return []*sdk.Connection{conn("c-9", "AU00000", now)} },
			otherOwner: true, wantPoll: pollTaskID("j-new", 1), wantSends: 2},
		{name: "nothing at Basiq, deadline passed", later: time.Hour, wantCode: tasks.CodeExpiredBeforeSend, wantSends: 1},
		{name: "two found: unknown", conns: func(now time.Time) []*sdk.Connection {
			return []*sdk.Connection{conn("c-8", "AU00000", now), conn("c-9", "AU00000", now)}
		}, wantCode: tasks.CodeOutcomeUnknown, wantSends: 1},
		{name: "Basiq cannot be asked: unknown", listErr: &sdk.Error{StatusCode: 404, Details: []sdk.ErrorDetail{{Code: "resource-not-found"}}},
			wantCode: tasks.CodeOutcomeUnknown, wantSends: 1},
		{name: "Basiq down for now: retried", listErr: &sdk.Error{StatusCode: 503}, wantRetry: true, wantSends: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.h.reconcileAfter = time.Hour // the first run looks, finds nothing yet and waits
			e.basiq.create = func(string, sdk.Credentials) (*sdk.Job, error) {
				if e.basiq.count("create") == 1 {
					return nil, lost
				}
				return job("j-new", sdk.StatusInProgress), nil
			}
			task := createTask(t, e.kr, "u-1")
			if err := e.h.CreateConnection(e.ctx("tid", 0, false), task); !errors.As(err, new(*retryError)) {
				t.Fatalf("first run: %v, want a retry", err)
			}
			e.h.reconcileAfter = tt.settle
			now := time.Now()
			if tt.conns != nil {
				e.basiq.conns = tt.conns(now)
			}
			e.basiq.connJobs = map[string][]*sdk.Job{}
			for _, c := range e.basiq.conns {
				refresh := &sdk.Job{ID: "j-r-" + c.ID, Created: now.Add(time.Minute)}
				e.basiq.connJobs[c.ID] = []*sdk.Job{refresh, {ID: "j-" + c.ID, Created: now.Truncate(time.Second)}}
			}
			e.basiq.listErr = tt.listErr
			if tt.otherOwner {
				e.rdb.HSet(context.Background(), e.h.followKey("j-c-9"), "owner", "other")
			}
			if tt.later > 0 {
				e.h.now = func() time.Time { return time.Now().Add(tt.later) }
			}
			err := e.h.CreateConnection(e.ctx("tid", 1, tt.last), task)
			var re *retryError
			if got := errors.As(err, &re); got != tt.wantRetry {
				t.Fatalf("second run: %v, want retry %v", err, tt.wantRetry)
			}
			if tt.wantRetry && tt.settle > 0 && re.delay < tt.settle-time.Minute {
				t.Errorf("retry in %v, want about %v", re.delay, tt.settle)
			}
			if n := e.basiq.count("create"); n != tt.wantSends {
				t.Errorf("creates = %d, want %d", n, tt.wantSends)
			}
			if tt.wantPoll != "" {
				if p := scheduledPoll(t, e, tt.wantPoll); p.TaskID != "tid" {
					t.Errorf("poll payload %+v", p)
				}
			} else if len(e.sched.order) > 0 {
				t.Errorf("scheduled %v, want nothing", e.sched.order)
			}
			r := e.result(t, "tid")
			switch {
			case tt.wantCode == "" && r != nil:
				t.Errorf("result = %+v (error %+v), want none yet", r, r.Error)
			case tt.wantCode != "" && (r == nil || r.Error == nil || r.Error.Code != tt.wantCode):
				t.Errorf("result = %+v, want %s", r, tt.wantCode)
			case tt.wantCode != "" && !errors.Is(err, asynq.SkipRetry):
				t.Errorf("err = %v, want SkipRetry", err)
			}
			if r != nil && r.Outcome == tasks.OutcomeCompleted {
				t.Errorf("completed without a job: %+v", r)
			}
		})
	}
}

// A create answered 2xx with a body that is not a job may have started
// one: it goes to the reconcile path (not a retry that could resend it, nor
// a failed network-error result on the last attempt), and on the last
// attempt, with nothing matched yet, ends as outcome-unknown.
func TestCreateConnection_bodyErrorReconciled(t *testing.T) {
	unreadable := &sdk.BodyError{StatusCode: 202, Method: "POST", Reason: "empty body"}
	tests := []struct {
		name      string
		last      bool
		wantRetry bool
		wantCode  tasks.ErrorCode
	}{
		{"looked up once the answers settle", false, true, ""},
		{"last attempt: outcome unknown", true, false, tasks.CodeOutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.h.reconcileAfter = time.Hour
			e.basiq.create = func(string, sdk.Credentials) (*sdk.Job, error) { return nil, unreadable }
			err := e.h.CreateConnection(e.ctx("tid", 0, tt.last), createTask(t, e.kr, "u-1"))
			var re *retryError
			if got := errors.As(err, &re); got != tt.wantRetry {
				t.Fatalf("err = %v, want retry %v", err, tt.wantRetry)
			}
			if tt.wantRetry && re.delay < 59*time.Minute {
				t.Errorf("retry in %v, want about ReconcileAfter (1h)", re.delay)
			}
			if n := e.basiq.count("connections"); n != 1 {
				t.Errorf("connection look-ups = %d, want 1", n)
			}
			r := e.result(t, "tid")
			switch {
			case tt.wantCode == "" && r != nil:
				t.Errorf("result = %+v, want none yet", r)
			case tt.wantCode != "" && (r == nil || r.Error == nil || r.Error.Code != tt.wantCode):
				t.Errorf("result = %+v, want %s", r, tt.wantCode)
			}
			if n := e.basiq.count("create"); n != 1 {
				t.Errorf("creates = %d, want 1", n)
			}
		})
	}
}
