package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
	appwebhook "github.com/basiq-worker/basiq-worker/tasks/webhook"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// receiver is an application endpoint that verifies each delivery.
type receiver struct {
	t      *testing.T
	secret []byte
	mu     sync.Mutex
	calls  map[string]int // event id -> POSTs received
	bad    []string
	answer func(id string, call int) int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.Header.Get(wire.HeaderWebhookID)
	rc.mu.Lock()
	if err := appwebhook.Verify(rc.secret, r.Header, body, time.Now(), 0); err != nil {
		rc.bad = append(rc.bad, err.Error())
	}
	var e tasks.Event
	if err := json.Unmarshal(body, &e); err != nil || e.ID != id {
		rc.bad = append(rc.bad, "body is not the event "+id)
	}
	rc.calls[id]++
	n := rc.calls[id]
	rc.mu.Unlock()
	w.WriteHeader(rc.answer(id, n))
}

func (rc *receiver) count(id string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.calls[id]
}

type fixture struct {
	ns, queue string
	rdb       *redis.Client
	pub       *results.Publisher
	rc        *receiver
	insp      *asynq.Inspector
}

func setup(t *testing.T, answer func(id string, call int) int) *fixture {
	t.Helper()
	rdb := testredis.Client(t)
	f := &fixture{ns: testredis.Namespace(t, "test"), queue: testredis.Queue(t, "test"), rdb: rdb, insp: asynq.NewInspector(testredis.ConnOpt())}
	f.pub = results.NewPublisher(rdb, results.WithNamespace(f.ns))
	secret := []byte("0123456789abcdef0123456789abcdef")
	f.rc = &receiver{t: t, secret: secret, calls: map[string]int{}, answer: answer}
	srv := httptest.NewServer(f.rc)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Redis: rdb, Namespace: f.ns, URL: srv.URL,
			Secret: secret, Queue: f.queue, StartFrom: "0", MaxRetry: 3, RetryDelay: func(int) time.Duration { return 100 * time.Millisecond }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		srv.Close()
		f.insp.Close()
	})
	return f
}

func (f *fixture) publish(t *testing.T, taskID string) string {
	t.Helper()
	e := results.NewResultEvent(tasks.Result{Outcome: tasks.OutcomeCompleted, TaskID: taskID, JobID: "job-" + taskID, UserID: "u"})
	if _, err := f.pub.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
	}
}

func TestRun_deliversEachEventOnce(t *testing.T) {
	f := setup(t, func(string, int) int { return http.StatusNoContent })
	ids := []string{f.publish(t, "t1"), f.publish(t, "t2"), f.publish(t, "t3")}
	f.publish(t, "t1") // a duplicate publish is not an event
	for _, id := range ids {
		eventually(t, 10*time.Second, "event "+id+" delivered", func() bool { return f.rc.count(id) > 0 })
	}
	time.Sleep(300 * time.Millisecond)
	for _, id := range ids {
		if n := f.rc.count(id); n != 1 {
			t.Errorf("event %s: delivered %d times, want 1", id, n)
		}
	}
	if len(f.rc.bad) > 0 {
		t.Errorf("receiver: %v", f.rc.bad)
	}
}

func TestRun_retriesUntilDelivered(t *testing.T) {
	f := setup(t, func(_ string, call int) int {
		if call <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	id := f.publish(t, "t1")
	eventually(t, 15*time.Second, "third attempt", func() bool { return f.rc.count(id) >= 3 })
	eventually(t, 5*time.Second, "task completed", func() bool {
		ti, err := f.insp.GetTaskInfo(f.queue, TaskID(id))
		return err == nil && ti.State == asynq.TaskStateCompleted
	})
	if len(f.rc.bad) > 0 {
		t.Errorf("receiver: %v", f.rc.bad)
	}
}

func TestRun_goneIsArchived(t *testing.T) {
	f := setup(t, func(string, int) int { return http.StatusGone })
	id := f.publish(t, "t1")
	eventually(t, 10*time.Second, "task archived", func() bool {
		ti, err := f.insp.GetTaskInfo(f.queue, TaskID(id))
		return err == nil && ti.State == asynq.TaskStateArchived
	})
	if n := f.rc.count(id); n != 1 {
		t.Errorf("410: %d attempts, want 1", n)
	}
}

func TestDefaultRetryDelay(t *testing.T) {
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	for i, w := range want {
		if got := DefaultRetryDelay(i + 1); got != w {
			t.Errorf("DefaultRetryDelay(%d) = %s, want %s", i+1, got, w)
		}
	}
}

func TestDefaultQueueFor(t *testing.T) {
	for ns, want := range map[string]string{"": "webhooks", tasks.DefaultNamespace: "webhooks", "acme": "acme-webhooks"} {
		if got := DefaultQueueFor(ns); got != want {
			t.Errorf("DefaultQueueFor(%q) = %q, want %q", ns, got, want)
		}
		o, err := Options{Redis: redis.NewClient(&redis.Options{}), Namespace: ns,
			URL: "http://x", Secret: []byte("s")}.withDefaults()
		if err != nil || o.Queue != want {
			t.Errorf("withDefaults of namespace %q: Queue = %q, %v; want %q", ns, o.Queue, err, want)
		}
	}
}
