package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// mfaEvent waits for the mfa_required event of task taskID on te's stream.
func (te *testEnv) mfaEvent(t *testing.T, taskID string) *tasks.MFARequired {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub := tasks.NewClient(te.rdb, nil, tasks.WithNamespace(te.ns))
	for ev, err := range sub.Results(ctx, "0") {
		if err != nil {
			t.Fatalf("no mfa_required event for %s: %v", taskID, err)
		}
		if ev.Type == tasks.EventMFARequired && ev.MFA.TaskID == taskID {
			return ev.MFA
		}
	}
	t.Fatalf("no mfa_required event for %s", taskID)
	return nil
}

// TestMFA_answered: the answer reaches Basiq, mfa exits 0 with the task id,
// and the job completes.
func TestMFA_answered(t *testing.T) {
	te := setup(t)
	user := newUser(t, te.startWorker(t))
	id := te.enqueue(t, "hooli2016\n", "create", "--user", user, "--institution", "AU00001", "--login", "gavinBelson", "--password-stdin")
	m := te.mfaEvent(t, id)
	code, out, errOut := te.ctl(t, "", "mfa", "--user", user, "--job", m.JobID, "--answer", "1234", "--queue", te.queue)
	if code != exitOK || strings.TrimSpace(out) == "" {
		t.Fatalf("mfa: exit %d, stdout %q, stderr %q; want 0 and the task id", code, out, errOut)
	}
	if r := te.waitResult(t, id); r.Outcome != tasks.OutcomeCompleted {
		t.Errorf("after the answer: %s (%+v), want completed", r.Outcome, r.Error)
	}
}

// TestMFA_refused: an answer to a finished or unknown job, or one that no
// worker will take, is reported within seconds with exit code 1.
func TestMFA_refused(t *testing.T) {
	te := setup(t)
	user := newUser(t, te.startWorker(t))
	done := te.waitResult(t, te.enqueue(t, "hooli2016\n", "create", "--user", user, "--institution", "AU00000",
		"--login", "gavinBelson", "--password-stdin"))
	tests := []struct {
		name, job, queue string
		want             []string
	}{
		{"finished job", done.JobID, te.queue, []string{"refused", "Job is not waiting for an MFA response."}},
		{"unknown job", "no-such-job", te.queue, []string{"refused", "Requested job does not exist."}},
		{"queue nobody serves", done.JobID, "", []string{"no running worker serves it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.queue == "" {
				tt.queue = testredis.Queue(t, "unserved")
			}
			start := time.Now()
			code, out, errOut := te.ctl(t, "", "mfa", "--user", user, "--job", tt.job, "--answer", "1234", "--queue", tt.queue)
			if code != exitFailed {
				t.Errorf("exit %d, want %d; stdout %q, stderr %q", code, exitFailed, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s, want an answer within seconds", d)
			}
		})
	}
}

// TestMFA_waitOver: a worker has taken the answer but not finished with it
// when --wait runs out: exit code 4, naming the task's state.
func TestMFA_waitOver(t *testing.T) {
	te := setup(t)
	te.serve(t, te.queue, nil) // takes the task and holds it
	code, out, errOut := te.ctl(t, "", "mfa", "--user", "u1", "--job", "j1", "--answer", "1234", "--queue", te.queue, "--wait", "1s")
	state := regexp.MustCompile(`is (active|pending)\n$`) // active once the server took it, as it does within 50ms
	if code != exitWaitOver || !strings.Contains(errOut, "not sent after 1s") || !state.MatchString(errOut) || out != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d, nothing on stdout and the task's state", code, out, errOut, exitWaitOver)
	}
}
