package basiqhooks_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

func newSecret(t *testing.T) string {
	b := make([]byte, 24)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

const body = `{"eventTypeId":"transactions.updated","eventId":"ev-1","links":{"event":"https://x/events/ev-1","eventEntity":"https://x/users/u-1/transactions?filter=connection.id.eq('c-1')"}}`

type delivery struct {
	name, id, secret string
	at               time.Time
	want             int
}

func TestReceiver(t *testing.T) {
	rdb := testredis.Client(t)
	ns, q := testredis.Namespace(t, "hooks"), testredis.Queue(t, "hooks")
	old, cur := newSecret(t), newSecret(t)
	var outcomes []string
	rc, err := basiqhooks.New(basiqhooks.Options{Secrets: []string{cur, old}, Redis: rdb, Namespace: ns,
		Enqueuer: asynq.NewClientFromRedisClient(rdb), Queue: q, Logger: zerolog.Nop(),
		Received: func(o string) { outcomes = append(outcomes, o) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	now := time.Now()
	for _, d := range []delivery{
		{"bad signature", "msg-bad", newSecret(t), now, 401},
		{"stale", "msg-stale", cur, now.Add(-6 * time.Minute), 401},
		{"future", "msg-future", cur, now.Add(6 * time.Minute), 401},
		{"good", "msg-1", cur, now, 202},
		{"replayed", "msg-1", cur, now, 409},
		{"replayed, resigned later", "msg-1", cur, now.Add(time.Minute), 409},
		{"old secret during rotation", "msg-2", old, now, 202},
	} {
		sig, err := sdk.SignWebhook(d.secret, d.id, d.at, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader([]byte(body)))
		req.Header.Set("webhook-id", d.id)
		req.Header.Set("webhook-timestamp", itoa(d.at.Unix()))
		req.Header.Set("webhook-signature", sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != d.want {
			t.Errorf("%s: status %d, want %d", d.name, res.StatusCode, d.want)
		}
		if d.want == 401 {
			if n, _ := rdb.Exists(context.Background(), basiqhooks.SeenKey(ns, d.id)).Result(); n != 0 {
				t.Errorf("%s: the refused id was remembered", d.name)
			}
		}
	}
	pending, err := insp.ListPendingTasks(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0].Type != basiqhooks.TypeEvent {
		t.Fatalf("pending tasks = %d, want 2 %s (msg-1 and msg-2 once each)", len(pending), basiqhooks.TypeEvent)
	}
	want := []string{"bad-signature", "stale", "stale", "enqueued", "replayed", "replayed", "enqueued"}
	if len(outcomes) != len(want) {
		t.Fatalf("outcomes = %v, want %v", outcomes, want)
	}
	for i := range want {
		if outcomes[i] != want[i] {
			t.Errorf("outcome %d = %s, want %s", i, outcomes[i], want[i])
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestNew_noSecret(t *testing.T) {
	if _, err := basiqhooks.New(basiqhooks.Options{}); err == nil {
		t.Error("New without secrets: nil error")
	}
}

// TestReceiver_enqueueFails: when the event cannot be enqueued (its Redis
// is closed here, as when Redis is down) the delivery is answered 503, not
// 2xx, and its id is forgotten: Basiq's retry of it is taken once the
// enqueue works again.
func TestReceiver_enqueueFails(t *testing.T) {
	rdb := testredis.Client(t)
	ns, q := testredis.Namespace(t, "hooks"), testredis.Queue(t, "hooks")
	secret := newSecret(t)
	down := redis.NewClient(&redis.Options{Addr: testredis.Addr()})
	down.Close()
	var outcomes []string
	newReceiver := func(enq basiqhooks.Enqueuer) *httptest.Server {
		rc, err := basiqhooks.New(basiqhooks.Options{Secrets: []string{secret}, Redis: rdb, Namespace: ns,
			Enqueuer: enq, Queue: q, Logger: zerolog.Nop(), Received: func(o string) { outcomes = append(outcomes, o) }})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(rc)
		t.Cleanup(srv.Close)
		return srv
	}
	send := func(url string) int {
		now := time.Now()
		sig, err := sdk.SignWebhook(secret, "msg-down", now, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(body)))
		req.Header.Set("webhook-id", "msg-down")
		req.Header.Set("webhook-timestamp", itoa(now.Unix()))
		req.Header.Set("webhook-signature", sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := send(newReceiver(asynq.NewClientFromRedisClient(down)).URL); code != http.StatusServiceUnavailable {
		t.Fatalf("enqueue on a closed Redis: status %d, want 503", code)
	}
	// Redis down for the claim of the id too.
	rc, err := basiqhooks.New(basiqhooks.Options{Secrets: []string{secret}, Redis: down, Namespace: ns,
		Enqueuer: asynq.NewClientFromRedisClient(down), Queue: q, Logger: zerolog.Nop(), Received: func(o string) { outcomes = append(outcomes, o) }})
	if err != nil {
		t.Fatal(err)
	}
	allDown := httptest.NewServer(rc)
	t.Cleanup(allDown.Close)
	if code := send(allDown.URL); code != http.StatusServiceUnavailable {
		t.Fatalf("claim on a closed Redis: status %d, want 503", code)
	}
	if n, _ := rdb.Exists(context.Background(), basiqhooks.SeenKey(ns, "msg-down")).Result(); n != 0 {
		t.Errorf("the id of the delivery answered 503 is remembered: Basiq's retry would be refused")
	}
	insp := asynq.NewInspectorFromRedisClient(rdb)
	if pending, _ := insp.ListPendingTasks(q); len(pending) != 0 {
		t.Errorf("pending tasks = %d after the failed enqueue, want 0", len(pending))
	}
	if code := send(newReceiver(asynq.NewClientFromRedisClient(rdb)).URL); code != http.StatusAccepted {
		t.Fatalf("Basiq's retry once Redis is back: status %d, want 202", code)
	}
	if pending, err := insp.ListPendingTasks(q); err != nil || len(pending) != 1 {
		t.Errorf("pending tasks = %d, %v after the retry, want 1", len(pending), err)
	}
	if want := []string{"error", "error", "enqueued"}; len(outcomes) != 3 || outcomes[0] != want[0] || outcomes[1] != want[1] || outcomes[2] != want[2] {
		t.Errorf("outcomes = %v, want %v", outcomes, want)
	}
}
