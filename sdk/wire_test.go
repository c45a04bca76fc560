package sdk_test

import (
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// recorder keeps what the client sent.
type recorder struct {
	mu    sync.Mutex
	reqs  []*http.Request
	bodys []string
}

func (rec *recorder) handler(answer func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r)
		rec.bodys = append(rec.bodys, string(b))
		rec.mu.Unlock()
		answer(w, r)
	}
}

func TestConnections_wireBodies(t *testing.T) {
	rec := &recorder{}
	s := newStub(t, rec.handler(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 202, map[string]any{"type": "job", "id": "j-1"})
	}))
	c := s.client(t, sdk.WithUserAgent("test-agent/1"))
	h := c.Connections.For("u-1", "c-1")
	if _, err := c.Users.For("u-1").CreateConnection(ctxT(t), sdk.Credentials{Institution: " AU00000 ", LoginID: " gavinBelson ", Password: "hooli2016 "}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Update(ctxT(t), sdk.Credentials{Password: "new", SecurityCode: " 12 "}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Refresh(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	want := []struct{ method, path, body string }{
		{"POST", "/users/u-1/connections", `{"loginId":"gavinBelson","password":"hooli2016","institution":{"id":"AU00000"}}`},
		{"POST", "/users/u-1/connections/c-1", `{"password":"new","securityCode":"12"}`},
		{"POST", "/users/u-1/connections/c-1/refresh", ``},
	}
	for i, w := range want {
		r := rec.reqs[i]
		if r.Method != w.method || r.URL.Path != w.path || rec.bodys[i] != w.body {
			t.Errorf("request %d: got %s %s %s, want %s %s %s", i, r.Method, r.URL.Path, rec.bodys[i], w.method, w.path, w.body)
		}
		if r.Header.Get("basiq-version") != "1.0" || r.Header.Get("User-Agent") != "test-agent/1" {
			t.Errorf("request %d: got version %q agent %q, want 1.0 test-agent/1", i, r.Header.Get("basiq-version"), r.Header.Get("User-Agent"))
		}
	}
}

func TestTransactions_relativeNextAndFilterEncoding(t *testing.T) {
	rec := &recorder{}
	s := newStub(t, rec.handler(func(w http.ResponseWriter, r *http.Request) {
		page := map[string]any{"type": "list", "count": 1, "size": 2, "data": []map[string]any{{"type": "transaction", "id": "t-" + r.URL.Query().Get("next")}}}
		if r.URL.Query().Get("next") == "" {
			page["links"] = map[string]any{"next": "/users/u%201/transactions?next=2"}
		}
		writeJSON(w, 200, page)
	}))
	c := s.client(t)
	var ids []string
	for tx, err := range c.Users.For("u 1").Transactions(ctxT(t), sdk.Filter().Eq("account.id", "a&b='c"), sdk.Limit(1)) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tx.ID)
	}
	if len(ids) != 2 || ids[1] != "t-2" {
		t.Fatalf("got %v, want [t- t-2]", ids)
	}
	first, second := rec.reqs[0].URL, rec.reqs[1].URL
	if got, want := first.Query().Get("filter"), `account.id.eq('a&b=\'c')`; got != want {
		t.Errorf("got filter %q, want %q", got, want)
	}
	if first.Path != "/users/u 1/transactions" || second.Query().Get("limit") != "1" {
		t.Errorf("got %s then %s, want the escaped user path and limit kept", first, second)
	}
}

func TestFilter_fake_quoteCannotInject(t *testing.T) {
	_, c := newFake(t)
	u, conn := connected(t, c)
	f := sdk.Filter().Eq("connection.id", conn.ID+"'),connection.id.eq('"+conn.ID)
	for _, err := range u.Transactions(ctxT(t), f) {
		t.Fatalf("got a transaction or %v, want none: the quote must stay inside the value", err)
	}
}
