package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/worker"
)

// TestHandler_followed: the followed jobs (two in the namespace's set, one
// of them late) are on /followed, as HTML and JSON, behind the
// authentication, and their gauges on /metrics.
func TestHandler_followed(t *testing.T) {
	rdb := testredis.Client(t)
	ns := testredis.Namespace(t, "admin")
	testredis.CleanupNamespace(t, ns)
	ctx := t.Context()
	now := time.Now()
	for i, due := range []time.Time{now.Add(-3 * time.Second), now.Add(time.Minute)} {
		job := fmt.Sprintf("j-%d", i)
		state := fmt.Sprintf(`{"v":1,"taskId":"connection:create:k%d","kind":"connection:create","userId":"u-1","jobId":"%s","n":2,`+
			`"polls":3,"step":"retrieve-accounts","looks":1,"deadline":"%s","startedAt":"%s"}`,
			i, job, now.Add(time.Hour).Format(time.RFC3339Nano), now.Add(-time.Minute).Format(time.RFC3339Nano))
		rdb.HSet(ctx, keys.FollowedState(ns), job, state)
		rdb.ZAdd(ctx, keys.Followed(ns), redis.Z{Score: float64(due.UnixMilli()), Member: job})
	}
	h := newHandler(t, Options{Redis: rdb, Namespace: ns, Username: "op", Password: "pw"})
	if code, _ := do(t, h, "GET", "/followed"); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d, want 401", code)
	}
	code, body := do(t, h, "GET", "/followed", "op", "pw")
	if code != http.StatusOK || !strings.Contains(body, `<b id="count">2</b>`) || !strings.Contains(body, `<b id="late">1</b>`) ||
		!strings.Contains(body, "connection:create:k0") || !strings.Contains(body, "retrieve-accounts") {
		t.Errorf("/followed: %d\n%s", code, body)
	}
	code, body = do(t, h, "GET", "/followed?format=json&n=1", "op", "pw")
	var f worker.Followed
	if err := json.Unmarshal([]byte(body), &f); code != http.StatusOK || err != nil {
		t.Fatalf("/followed?format=json: %d %v\n%s", code, err, body)
	}
	if f.Count != 2 || f.Late != 1 || len(f.Jobs) != 1 || f.Jobs[0].JobID != "j-0" || f.Jobs[0].Polls != 3 {
		t.Errorf("followed = %+v, want 2 jobs, 1 late, j-0 first", f)
	}
	if code, _ := do(t, h, "GET", "/followed?n=x", "op", "pw"); code != http.StatusBadRequest {
		t.Errorf("n=x: %d, want 400", code)
	}
	_, m := do(t, h, "GET", "/metrics", "op", "pw")
	for _, want := range []string{
		`basiq_worker_followed_jobs{namespace="` + ns + `"} 2`,
		`basiq_worker_followed_late_jobs{namespace="` + ns + `"} 1`,
		`basiq_worker_followed_lag_seconds{namespace="` + ns + `"} 3`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
