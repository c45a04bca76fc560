package basiqtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint that records what it gets and answers the given statuses in
// turn (then 200).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	statuses []int
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), b})
		status := 200
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// wait returns the first n requests, failing after 20s.
func (rc *receiver) wait(t *testing.T, n int) []received {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		rc.mu.Lock()
		if len(rc.got) >= n {
			out := append([]received(nil), rc.got[:n]...)
			rc.mu.Unlock()
			return out
		}
		rc.mu.Unlock()
	}
	t.Fatalf("the receiver did not get %d deliveries in 20s", n)
	return nil
}

func TestWebhooks_crud(t *testing.T) {
	_, c, _ := setup(t)
	tests := []struct {
		body, code, ptr string
	}{
		{`{"name":"x"}`, "parameter-not-supplied", "/url"},
		{`{"url":"ftp://x"}`, "parameter-not-valid", "/url"},
		{`{"url":"https://a.example/h","subscribedEvents":["user.created","job.done"]}`, "parameter-not-valid", "/subscribedEvents/1"},
	}
	for _, tt := range tests {
		r := c.do("POST", "/notifications/webhooks", tt.body)
		var e errorBody
		r.decode(t, &e)
		if r.status != 400 || e.Data[0].Code != tt.code || e.Data[0].Source.Pointer != tt.ptr {
			t.Errorf("%s: got %d %s, want 400 %s %s", tt.body, r.status, r.body, tt.code, tt.ptr)
		}
	}
	created := c.must(201, "POST", "/notifications/webhooks", `{"url":"https://a.example/h","name":"n","subscribedEvents":["user.created"]}`).obj(t)
	id, secret := created["id"].(string), created["secret"].(string)
	if len(secret) != len("whsec_")+32 || secret[:6] != "whsec_" {
		t.Errorf("secret %q: want whsec_ and 32 base64 characters", secret)
	}
	got := c.must(200, "GET", "/notifications/webhooks/"+id, "").obj(t)
	if got["secret"] != nil || got["url"] != "https://a.example/h" || got["status"] != "active" {
		t.Errorf("GET webhook: %v (the secret is shown only on create)", got)
	}
	upd := c.must(200, "POST", "/notifications/webhooks/"+id, `{"subscribedEvents":[]}`).obj(t)
	if evs := upd["subscribedEvents"].([]any); len(evs) != 0 || upd["name"] != "n" {
		t.Errorf("update: %v, want every event and the name kept", upd)
	}
	if l := c.must(200, "GET", "/notifications/webhooks", "").obj(t); l["count"] != 1.0 {
		t.Errorf("list: %v", l)
	}
	c.must(204, "DELETE", "/notifications/webhooks/"+id, "")
	c.must(404, "GET", "/notifications/webhooks/"+id, "")
	c.as(c.token3(c.createUser())).must(403, "GET", "/notifications/webhooks", "")
}

func TestWebhooks_deliveredSigned(t *testing.T) {
	srv, c, clk := setup(t)
	rc := newReceiver(t)
	hook := c.must(201, "POST", "/notifications/webhooks",
		`{"url":"`+rc.URL+`","subscribedEvents":["connection.created","transactions.updated","consent.revoked"]}`).obj(t)
	secret, hookID := hook["secret"].(string), hook["id"].(string)
	uid := c.createUser()
	res := c.consent(gavin(uid))
	clk.Advance(10 * time.Second)
	c.must(204, "DELETE", "/users/"+uid+"/consents/"+res.ConsentID, "")
	got := rc.wait(t, 3)
	var types []string
	for _, g := range got {
		id, ts := g.header.Get("webhook-id"), g.header.Get("webhook-timestamp")
		if want := "v1," + Sign(secret, id, ts, g.body); g.header.Get("webhook-signature") != want {
			t.Errorf("signature %q, want %q", g.header.Get("webhook-signature"), want)
		}
		if sec, _ := strconv.ParseInt(ts, 10, 64); sec != clk.Now().Unix() && sec != clk.Now().Add(-10*time.Second).Unix() {
			t.Errorf("webhook-timestamp %s is not the server clock's", ts)
		}
		var b webhookBody
		if err := json.Unmarshal(g.body, &b); err != nil || b.EventID == "" || b.Links.Event != srv.URL+"/events/"+b.EventID || b.Links.EventEntity == "" {
			t.Errorf("body %s: want eventId, eventTypeId and links", g.body)
		}
		c.must(200, "GET", "/events/"+b.EventID, "")
		types = append(types, b.EventTypeID)
	}
	sort.Strings(types) // deliveries run concurrently: no order is promised, as with Basiq
	if fmt.Sprint(types) != "[connection.created consent.revoked transactions.updated]" {
		t.Errorf("delivered %v", types)
	}
	settled(t, srv) // the receiver got them; wait for the fake to record the answers
	var msgs struct {
		Size int          `json:"size"`
		Data []messageOut `json:"data"`
	}
	c.must(200, "GET", "/notifications/webhooks/"+hookID+"/messages", "").decode(t, &msgs)
	if msgs.Size != 3 || msgs.Data[0].Status != "delivered" || len(msgs.Data[0].Attempts) != 1 || string(msgs.Data[0].Payload) == "" {
		t.Errorf("messages: %+v", msgs)
	}
	m := c.must(200, "GET", "/notifications/webhooks/"+hookID+"/messages/"+msgs.Data[2].ID, "").obj(t)
	if m["eventId"] != msgs.Data[2].EventID {
		t.Errorf("message %v", m)
	}
	c.must(404, "GET", "/notifications/webhooks/"+hookID+"/messages/nope", "")
	st := srv.Stats()
	if len(st.Deliveries) != 3 {
		t.Errorf("stats: %d deliveries, want 3", len(st.Deliveries))
	}
	for id, d := range st.Deliveries {
		if d.Status != "delivered" || len(d.Attempts) != 1 || d.Attempts[0].Status != 200 {
			t.Errorf("delivery %s: %+v", id, d)
		}
	}
}

func TestWebhooks_retries(t *testing.T) {
	srv := NewServer(WithWebhookRetries(5*time.Millisecond, 10*time.Millisecond, 10*time.Millisecond))
	t.Cleanup(srv.Close)
	c := &client{t: t, srv: srv}
	c.token = c.newToken()
	ok := newReceiver(t, 500, 503)
	bad := newReceiver(t, 500, 500, 500, 500)
	for _, u := range []string{ok.URL, bad.URL} {
		c.must(201, "POST", "/notifications/webhooks", `{"url":"`+u+`","subscribedEvents":["user.created"]}`)
	}
	c.createUser()
	got := ok.wait(t, 3)
	if got[0].header.Get("webhook-id") != got[2].header.Get("webhook-id") {
		t.Error("a retry changed webhook-id")
	}
	bad.wait(t, 4)
	st := settled(t, srv)
	if countStatus(st, "delivered") != 1 || countStatus(st, "failed") != 1 {
		t.Fatalf("deliveries %+v: want one delivered after 3 attempts, one failed after 4", st.Deliveries)
	}
	for _, d := range st.Deliveries {
		if n := len(d.Attempts); d.Status == "failed" && n != 4 || d.Status == "delivered" && n != 3 {
			t.Errorf("%s after %d attempts", d.Status, n)
		}
	}
}

// settled waits (up to 20s) until no delivery is pending, and returns the stats.
func settled(t *testing.T, srv *Server) Stats {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if st := srv.Stats(); countStatus(st, "pending") == 0 {
			return st
		}
	}
	t.Fatal("deliveries still pending after 20s")
	return Stats{}
}

func countStatus(st Stats, status string) int {
	n := 0
	for _, d := range st.Deliveries {
		if d.Status == status {
			n++
		}
	}
	return n
}

func TestEvents_routes(t *testing.T) {
	_, c, _ := setup(t)
	uid := c.createUser()
	c.must(200, "POST", "/users/"+uid, `{"firstName":"Gavin"}`)
	var l struct {
		Size  int        `json:"size"`
		Data  []eventOut `json:"data"`
		Links listLinks  `json:"links"`
	}
	c.must(200, "GET", "/events?limit=1&filter="+urlq("user.id.eq('"+uid+"')"), "").decode(t, &l)
	if l.Size != 2 || len(l.Data) != 1 || l.Data[0].EventType != "updated" || l.Links.Next == "" {
		t.Fatalf("first page: %+v", l)
	}
	e := l.Data[0]
	var data map[string]any
	_ = json.Unmarshal(e.Data, &data)
	if e.Entity != "user" || e.UserID != uid || e.DataRef != c.srv.URL+"/users/"+uid || data["firstName"] != "Gavin" {
		t.Errorf("event %+v", e)
	}
	next := l.Links.Next
	l.Links.Next = ""
	c.must(200, "GET", next, "").decode(t, &l)
	if len(l.Data) != 1 || l.Data[0].EventType != "created" || l.Links.Next != "" {
		t.Errorf("second page: %+v", l)
	}
	c.must(404, "GET", "/events/nope", "")
	types := c.must(200, "GET", "/events/types", "").obj(t)
	if types["count"] != 15.0 {
		t.Errorf("event types: %v", types["count"])
	}
	c.must(200, "GET", "/events/types/consent.revoked", "")
	c.must(404, "GET", "/events/types/job.done", "")
	c.must(400, "GET", "/events?filter="+urlq("job.id.eq('x')"), "")
	c.as(c.token3(uid)).must(403, "GET", "/events", "")
}

func TestWebhooks_deleteDropsPending(t *testing.T) {
	srv := NewServer(WithWebhookRetries(time.Hour))
	t.Cleanup(srv.Close)
	c := &client{t: t, srv: srv}
	c.token = c.newToken()
	rc := newReceiver(t, 500)
	id := c.must(201, "POST", "/notifications/webhooks", `{"url":"`+rc.URL+`","subscribedEvents":["user.created"]}`).obj(t)["id"].(string)
	c.createUser()
	rc.wait(t, 1)
	var d DeliveryStats
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && len(d.Attempts) == 0; time.Sleep(5 * time.Millisecond) {
		for _, x := range srv.Stats().Deliveries {
			d = x
		}
	}
	if d.Status != "pending" || len(d.Attempts) != 1 || d.Attempts[0].Status != 500 || d.NextAttempt.IsZero() {
		t.Fatalf("after a 500: %+v, want pending with a next attempt in an hour", d)
	}
	c.must(204, "DELETE", "/notifications/webhooks/"+id, "")
	for _, x := range srv.Stats().Deliveries {
		if x.Status != "dropped" {
			t.Errorf("after deleting its webhook: %s, want dropped", x.Status)
		}
	}
}

func TestEvents_limit(t *testing.T) {
	_, c, _ := setup(t, WithEventLimit(4))
	var ids []string
	for i := 0; i < 6; i++ {
		ids = append(ids, c.createUser())
	}
	var l struct {
		Size int        `json:"size"`
		Data []eventOut `json:"data"`
	}
	c.must(200, "GET", "/events", "").decode(t, &l)
	if l.Size != 4 || l.Data[0].UserID != ids[5] || l.Data[3].UserID != ids[2] {
		t.Fatalf("events kept: %d, newest %s: want the 4 newest", l.Size, l.Data[0].UserID)
	}
	if got := c.eventTypesOf("user.id.eq('" + ids[0] + "')"); len(got) != 0 {
		t.Errorf("the oldest user's event is still listed: %v", got)
	}
}

func TestWebhooks_boundedInFlight(t *testing.T) {
	srv := NewServer()
	t.Cleanup(srv.Close)
	c := &client{t: t, srv: srv}
	c.token = c.newToken()
	var mu sync.Mutex
	now, most, total := 0, 0, 0
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		now++
		most = max(most, now)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		now--
		total++
		mu.Unlock()
	}))
	t.Cleanup(slow.Close)
	c.must(201, "POST", "/notifications/webhooks", `{"url":"`+slow.URL+`","subscribedEvents":["user.created"]}`)
	for i := 0; i < 3*maxInFlight; i++ {
		c.createUser()
	}
	st := settled(t, srv)
	mu.Lock()
	defer mu.Unlock()
	if countStatus(st, "delivered") != 3*maxInFlight || total != 3*maxInFlight {
		t.Errorf("delivered %d, received %d, want %d", countStatus(st, "delivered"), total, 3*maxInFlight)
	}
	if most > maxInFlight {
		t.Errorf("%d deliveries at once, want at most %d", most, maxInFlight)
	}
}
