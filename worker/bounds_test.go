package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// TestCreateConnection_hugeUserID: a 5 MB userId in valid JSON is archived
// with the reason; it reaches neither Basiq, nor a log line, nor the
// results stream beyond a bounded prefix.
func TestCreateConnection_hugeUserID(t *testing.T) {
	e := newTestEnv(t)
	obs := &countingObserver{rejected: map[string]int{}}
	e.h.obs = obs
	huge := strings.Repeat("u", 5<<20)
	var logs bytes.Buffer
	mux := e.h.Mux(zerolog.New(&logs))
	err := mux.ProcessTask(e.ctx("huge", 0, false), createTask(t, e.kr, huge))
	if !errors.Is(err, asynq.SkipRetry) || !strings.Contains(err.Error(), "field userId: 5242880 bytes") {
		t.Errorf("err = %.200v, want SkipRetry naming the field and its size", err)
	}
	if n := e.basiq.count("create"); n != 0 {
		t.Errorf("creates = %d, want 0", n)
	}
	if n := obs.rejected[RejectInvalidPayload]; n != 1 {
		t.Errorf("rejected invalid-payload = %d, want 1", n)
	}
	if logs.Len() > 4<<10 {
		t.Errorf("logged %d bytes for one task, want a few bounded lines: %.300s", logs.Len(), logs.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if len(l) > 1<<10 {
			t.Errorf("log line of %d bytes: %.200s", len(l), l)
		}
	}
	entries, err := e.rdb.XRange(context.Background(), wire.ResultsStreamKey("t"), "-", "+").Result()
	if err != nil || len(entries) != 1 {
		t.Fatalf("results stream = %d entries, %v; want 1", len(entries), err)
	}
	b, _ := json.Marshal(entries[0].Values)
	if len(b) > 2<<10 {
		t.Errorf("result event of %d bytes, want it bounded: %.300s", len(b), b)
	}
	if r := e.result(t, "huge"); r == nil || r.Error == nil || r.Error.Code != tasks.CodeInvalidPayload || len(r.UserID) > MaxLoggedForTest {
		t.Errorf("result = %.300v, want failed %s without the user id", r, tasks.CodeInvalidPayload)
	}
}

// MaxLoggedForTest is the most of an id a result may carry.
const MaxLoggedForTest = wire.MaxIDLen

// TestHandlers_badIDsNeverReachBasiq: ids that would change the URL of the
// Basiq call are refused by every handler.
func TestHandlers_badIDsNeverReachBasiq(t *testing.T) {
	e := newTestEnv(t)
	for name, tc := range map[string]struct {
		typ     string
		payload string
		handler func(context.Context, *asynq.Task) error
	}{
		"refresh path traversal": {tasks.TypeRefreshConnection, `{"v":1,"userId":"u-1","connectionId":"../../token"}`, e.h.RefreshConnection},
		"refresh-all query":      {tasks.TypeRefreshAll, `{"v":1,"userId":"u-1?x=1"}`, e.h.RefreshAll},
		"poll huge job id": {wire.TypePollJob, `{"v":1,"taskId":"t","userId":"u-1","jobId":"` + strings.Repeat("j", 1<<20) +
			`","deadline":"` + time.Now().Add(time.Hour).Format(time.RFC3339) + `"}`, e.h.adopt},
	} {
		err := tc.handler(e.ctx("bad-"+strings.ReplaceAll(name, " ", "-"), 0, false), asynq.NewTask(tc.typ, []byte(tc.payload)))
		if !errors.Is(err, asynq.SkipRetry) || len(err.Error()) > 300 {
			t.Errorf("%s: err = %.200v, want a bounded SkipRetry", name, err)
		}
	}
	for _, call := range []string{"refresh", "refresh-all", "job"} {
		if n := e.basiq.count(call); n != 0 {
			t.Errorf("%s calls = %d, want 0", call, n)
		}
	}
}
