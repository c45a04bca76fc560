package worker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/hibiken/asynq"
)

// hookSender posts signed Basiq deliveries to a receiver of Basiq's
// webhooks on the harness's Redis and queue (a secret of its own, not a
// subscription at the fake).
type hookSender struct {
	t      *testing.T
	url    string
	secret string
}

func newHookSender(h *harness) *hookSender {
	h.t.Helper()
	b := make([]byte, 24)
	rand.Read(b)
	s := &hookSender{t: h.t, secret: "whsec_" + base64.StdEncoding.EncodeToString(b)}
	rc, err := basiqhooks.New(basiqhooks.Options{Secrets: []string{s.secret}, Redis: h.rdb, Namespace: h.ns,
		Enqueuer: asynq.NewClientFromRedisClient(h.rdb), Queue: h.queue, Logger: h.cfg.Logger})
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(rc)
	h.t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// send delivers body as webhook id and returns the status of the answer.
func (s *hookSender) send(id, body string) int {
	s.t.Helper()
	now := time.Now()
	sig, err := sdk.SignWebhook(s.secret, id, now, []byte(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", s.url, bytes.NewReader([]byte(body)))
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// hookBody is a webhook message as Basiq sends it: the event's type, id
// and links, the entity named by its link.
func hookBody(typ, eventID, entity string) string {
	return `{"eventTypeId":"` + typ + `","eventId":"` + eventID + `","links":{"event":"https://au-api.basiq.io/events/` + eventID +
		`","eventEntity":"https://au-api.basiq.io` + entity + `"}}`
}

// TestBasiqEvents_relayed: each event the worker relays, received by the
// webhook endpoint, becomes one basiq_event on the results stream with
// its event, user and connection ids.
func TestBasiqEvents_relayed(t *testing.T) {
	h := newHarness(t)
	h.start()
	hooks := newHookSender(h)
	user, conn := "u-"+randHex(4), "c-"+randHex(4)
	tests := []struct {
		typ    sdk.EventType
		entity string
	}{
		{sdk.EventTransactionsUpdated, "/users/" + user + "/transactions?filter=connection.id.eq('" + conn + "')"},
		{sdk.EventAccountUpdated, "/users/" + user + "/accounts?filter=connection.id.eq('" + conn + "')"},
		{sdk.EventConnectionInvalidated, "/users/" + user + "/connections/" + conn},
		{sdk.EventConnectionActivated, "/users/" + user + "/connections/" + conn},
		{sdk.EventConnectionDeleted, "/users/" + user + "/connections/" + conn},
	}
	eventIDs := map[string]sdk.EventType{}
	for i, tt := range tests {
		id := "ev-" + strconv.Itoa(i) + "-" + randHex(4)
		eventIDs[id] = tt.typ
		if code := hooks.send("msg-"+id, hookBody(string(tt.typ), id, tt.entity)); code != http.StatusAccepted {
			t.Fatalf("%s: status %d, want 202", tt.typ, code)
		}
	}
	got := map[string]*tasks.BasiqEvent{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for e, err := range h.sub.Results(ctx, "0") {
		if err != nil {
			t.Fatalf("relayed %d of %d: %v", len(got), len(tests), err)
		}
		if e.Type == tasks.EventBasiq && e.Basiq != nil {
			got[e.Basiq.EventID] = e.Basiq
		}
		if len(got) == len(tests) {
			break
		}
	}
	for id, typ := range eventIDs {
		b := got[id]
		switch {
		case b == nil:
			t.Errorf("%s (event %s): not on the results stream", typ, id)
		case b.Type != string(typ) || b.UserID != user || b.ConnectionID != conn:
			t.Errorf("%s (event %s): relayed as %+v, want type %s, user %s, connection %s", typ, id, b, typ, user, conn)
		}
	}
}

// rejectCounter counts Observer.TaskRejected by reason, safely across the
// worker's goroutines.
type rejectCounter struct {
	nopObserver
	mu sync.Mutex
	n  map[string]int
}

func (o *rejectCounter) TaskRejected(reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n[reason]++
}

func (o *rejectCounter) count(reason string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[reason]
}

// TestBasiqEvents_unknownType: a delivery of an event type the worker does
// not act on is acknowledged (202), its task succeeds at once (no retry),
// it is logged and counted as unknown-basiq-event, and nothing reaches
// the results stream.
func TestBasiqEvents_unknownType(t *testing.T) {
	h := newHarness(t)
	obs := &rejectCounter{n: map[string]int{}}
	h.cfg.Observer = obs
	h.start()
	hooks := newHookSender(h)
	id := "ev-" + randHex(4)
	if code := hooks.send("msg-"+id, hookBody("widget.frobnicated", id, "/users/u-1/widgets/w-1")); code != http.StatusAccepted {
		t.Fatalf("status %d, want 202", code)
	}
	insp := asynq.NewInspectorFromRedisClient(h.rdb)
	deadline := time.Now().Add(60 * time.Second)
	var info *asynq.TaskInfo
	for {
		var err error
		info, err = insp.GetTaskInfo(h.queue, "basiq-event:msg-"+id)
		if err == nil && info.State == asynq.TaskStateCompleted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the event's task: %+v, %v; want completed", info, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if info.Retried != 0 || info.LastErr != "" {
		t.Errorf("the event's task was retried %d times (last error %q), want 0", info.Retried, info.LastErr)
	}
	if n := obs.count(RejectUnknownBasiqEvent); n != 1 {
		t.Errorf("%s counted %d times, want 1", RejectUnknownBasiqEvent, n)
	}
	if !bytes.Contains([]byte(h.logs.String()), []byte(`"event_type":"widget.frobnicated"`)) {
		t.Errorf("no log line names the event type; log:\n%s", h.logs.String())
	}
	for _, e := range h.events() {
		if e.Type == tasks.EventBasiq {
			t.Errorf("an unknown event reached the results stream: %+v", e.Basiq)
		}
	}
}
