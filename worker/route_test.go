package worker

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// countingObserver counts rejected tasks by reason.
type countingObserver struct {
	nopObserver
	rejected map[string]int
}

func (o *countingObserver) TaskRejected(reason string) { o.rejected[reason]++ }

func TestMux_unknownTypeArchived(t *testing.T) {
	e := newTestEnv(t)
	obs := &countingObserver{rejected: map[string]int{}}
	e.h.obs = obs
	var logs bytes.Buffer
	mux := e.h.Mux(zerolog.New(&logs))
	for _, typ := range []string{
		"connection:delete",                // no handler at all
		tasks.TypeCreateConnection + "-v2", // asynq's ServeMux matches by prefix
		"job:poll:x",
		strings.Repeat("t", 1<<20), // a huge type name is not logged in full
	} {
		logs.Reset()
		err := mux.ProcessTask(e.ctx("unknown", 0, false), asynq.NewTask(typ, []byte(`{"v":1}`)))
		if !errors.Is(err, asynq.SkipRetry) || !errors.Is(err, asynq.ErrHandlerNotFound) {
			t.Errorf("%.40s: err = %.200v, want ErrHandlerNotFound wrapping SkipRetry", typ, err)
		}
		if err != nil && len(err.Error()) > 400 {
			t.Errorf("%.40s: error of %d bytes, want it bounded", typ, len(err.Error()))
		}
		if got := logs.String(); !strings.Contains(got, "no handler for task type") || len(got) > 1000 {
			t.Errorf("%.40s: log = %.300q (%d bytes), want one bounded line naming the type", typ, got, len(got))
		}
	}
	if n := e.basiq.count("create"); n != 0 {
		t.Errorf("creates = %d, want 0", n)
	}
	if got := obs.rejected["unknown-type"]; got != 4 {
		t.Errorf("rejected unknown-type = %d, want 4", got)
	}
}

func TestWorker_unknownTypeArchivedAtOnce(t *testing.T) {
	h := newHarness(t)
	ac := asynq.NewClient(asynq.RedisClientOpt{Addr: redisAddr})
	defer ac.Close()
	info, err := ac.Enqueue(asynq.NewTask("connection:delete", []byte(`{"v":1}`)), asynq.Queue(h.queue), asynq.MaxRetry(25))
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: redisAddr})
	defer insp.Close()
	var ti *asynq.TaskInfo
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if ti, err = insp.GetTaskInfo(h.queue, info.ID); err == nil && ti.State != asynq.TaskStatePending && ti.State != asynq.TaskStateActive {
			break
		}
	}
	if ti == nil || ti.State != asynq.TaskStateArchived || ti.Retried != 0 || !strings.Contains(ti.LastErr, "handler not found") {
		t.Fatalf("task = %+v, want archived at once (never retried) with \"handler not found\"", ti)
	}
	if !strings.Contains(h.logs.String(), "no handler for task type") {
		t.Errorf("worker log has no line for the unknown type:\n%s", h.logs.String())
	}
}

func TestNoResult(t *testing.T) {
	for _, tt := range []struct {
		typ  string
		want bool
	}{
		{tasks.TypeCreateConnection, false},
		{tasks.TypeUpdateConnection, false},
		{tasks.TypeRefreshConnection, false},
		{tasks.TypeRefreshAll, false},
		{tasks.TypeFollowJobs, false},
		{tasks.TypeAnswerMFA, true},
		{"job:poll", true},
		{"webhook:deliver", true},
		{"basiq:event", true},
		{"connection:frobnicate", false}, // unknown: archived with its reason
	} {
		if got := NoResult(tt.typ); got != tt.want {
			t.Errorf("NoResult(%q) = %v, want %v", tt.typ, got, tt.want)
		}
	}
}
