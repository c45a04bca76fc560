package sdk_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// seen is one request a wire stub answered.
type seen struct{ method, path, query, ctype, body string }

// wireStub answers "METHOD /path" routes with canned bodies (from Basiq's
// OpenAPI examples) and records every request.
type wireStub struct {
	*stub
	mu  sync.Mutex
	got []seen
}

func newWireStub(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request)) *wireStub {
	t.Helper()
	mux := http.NewServeMux()
	ws := &wireStub{}
	for pat, h := range routes {
		mux.HandleFunc(pat, func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			ws.mu.Lock()
			ws.got = append(ws.got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(b)})
			ws.mu.Unlock()
			h(w, r)
		})
	}
	ws.stub = newStub(t, mux.ServeHTTP)
	return ws
}

func (ws *wireStub) requests() []seen {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return append([]seen(nil), ws.got...)
}

// raw answers status with body as JSON, {{base}} replaced by the stub's URL.
func raw(status int, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, strings.ReplaceAll(body, "{{base}}", "http://"+r.Host))
	}
}

func TestAuthLinks_wire(t *testing.T) {
	link := `{"type":"auth_link","id":"63448be4","userId":"u-1","mobile":"61410000000","expiresAt":"2019-11-21T04:08:50Z",
	 "links":{"public":"https://connect.basiq.io/63448be4","self":"/users/u-1/auth_link"}}`
	ws := newWireStub(t, map[string]func(http.ResponseWriter, *http.Request){
		"POST /users/u-1/auth_link":   raw(201, link),
		"GET /users/u-1/auth_link":    raw(200, link),
		"DELETE /users/u-1/auth_link": raw(204, ""),
	})
	u := ws.client(t).Users.For("u-1")
	created, err := u.CreateAuthLink(ctxT(t), sdk.AuthLinkParams{Mobile: "+61410000000"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := u.AuthLink(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := u.DeleteAuthLink(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if created.Links.Public != "https://connect.basiq.io/63448be4" || got.ID != "63448be4" || got.ExpiresAt.Year() != 2019 {
		t.Fatalf("got %+v and %+v, want the example link", created, got)
	}
	reqs := ws.requests()
	if len(reqs) != 3 || reqs[0].body != `{"mobile":"+61410000000"}` || reqs[0].ctype != "application/json" {
		t.Fatalf("got requests %+v, want create with the mobile, get, delete", reqs)
	}
}

func TestConsents_wire(t *testing.T) {
	ws := newWireStub(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /users/u-1/consents": raw(200, `{"type":"list","size":1,"data":[{"type":"consent","id":"69d00245","created":"2024-09-26T12:12:01Z",
		 "updated":"2024-09-26T12:12:01Z","expiryDate":"2025-09-26T12:12:01Z","origin":"user","status":"active",
		 "purpose":{"primary":{"title":"Share your financial data","description":"d"},"other":null},
		 "data":{"retainData":true,"initialRetrievalDays":730,"organisation":null,"permissions":[{"scope":"account.basic","required":true,
		 "consented":true,"entity":"account","information":{"name":"n","description":"d","attributeList":["Name of account"]},"purpose":{"title":"t","description":"d"}}]},
		 "links":{"self":"{{base}}/users/u-1/consents/69d00245"}}],"links":{"self":"{{base}}/users/u-1/consents"}}`),
		"DELETE /users/u-1/consents/69d00245": raw(204, ""),
	})
	u := ws.client(t).Users.For("u-1")
	cs, err := u.Consents(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Status != sdk.ConsentActive || cs[0].ExpiryDate.Year() != 2025 || cs[0].Data.InitialRetrievalDays != 730 ||
		cs[0].Data.Permissions[0].Scope != "account.basic" || cs[0].Purpose.Other != nil {
		t.Fatalf("got %+v, want the example consent", cs)
	}
	if err := u.RevokeConsent(ctxT(t), cs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := u.RevokeConsent(ctxT(t), ""); err == nil {
		t.Fatal("empty consent id: got nil error, want one")
	}
	if n := len(ws.requests()); n != 2 {
		t.Fatalf("got %d requests, want 2", n)
	}
}

func TestConnectors_wire(t *testing.T) {
	conn := func(id, method, stats string) string {
		return `{"type":"connector","id":"` + id + `","method":"` + method + `","stage":"live","status":"operational",
		 "institution":{"type":"Bank","name":"Hooli Bank","shortName":"Hooli","tier":"1","country":"Australia","logo":{"type":"image","links":{"full":"f","square":"s"}}},
		 "scopes":["account.basic"],"authorization":{"type":"user","meta":{"login_id_caption":"User name"}},"stats":` + stats + `,"links":{"self":"x"}}`
	}
	ws := newWireStub(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /connectors": raw(200, `{"type":"list","totalCount":2,"data":[`+conn("AU00000", "web",
			`{"averageDurationMs":{"verifyCredentials":8200,"retrieveAccounts":3800,"retrieveTransactions":7100,"retrieveMeta":null,"total":null}}`)+`,`+
			conn("AU00201", "pdf", `{"averageDurationMs":null}`)+`],"links":{"self":"x"}}`),
		"GET /connectors/AU00000/web": raw(200, conn("AU00000", "web", `{"averageDurationMs":{"verifyCredentials":8200,"retrieveMeta":1500}}`)),
	})
	c := ws.client(t)
	list, err := c.Connectors.List(ctxT(t), sdk.Filter().Eq("connector.method", "web"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Stats.AverageDurationMs == nil || list[0].Stats.AverageDurationMs.VerifyCredentials != 8200 ||
		list[0].Stats.AverageDurationMs.Total != 0 || list[1].Stats.AverageDurationMs != nil || list[0].Authorization.Meta["login_id_caption"] != "User name" {
		t.Fatalf("got %+v, want AU00000 with stats and AU00201 without", list)
	}
	one, err := c.Connectors.Get(ctxT(t), "AU00000", sdk.MethodWeb)
	if err != nil || one.Stats.AverageDurationMs.RetrieveMeta != 1500 || one.Institution.Name != "Hooli Bank" {
		t.Fatalf("got %+v, %v; want AU00000 with retrieveMeta 1500", one, err)
	}
	if got := ws.requests()[0].query; got != "filter=connector.method.eq%28%27web%27%29" {
		t.Fatalf("got query %q, want the filter", got)
	}
}

func TestEvents_wire(t *testing.T) {
	ws := newWireStub(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /events": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("next") == "" {
				raw(200, `{"type":"list","count":2,"size":3,"data":[`+eventResource+`,{"type":"event","id":"e-2","entity":"consent","eventType":"revoked","userId":"u-1"}],
				 "links":{"self":"{{base}}/events","next":"{{base}}/events?next=2"}}`)(w, r)
				return
			}
			raw(200, `{"type":"list","count":1,"size":3,"data":[{"type":"event","id":"e-3","entity":"user","eventType":"created","userId":"u-1"}],"links":{"self":"x"}}`)(w, r)
		},
		"GET /events/e-3": raw(200, `{"type":"event","id":"e-3","entity":"user","eventType":"created","userId":"u-1","data":{"id":"u-1"}}`),
		"GET /events/types": raw(200, `{"type":"list","count":2,"size":2,"data":[{"type":"eventType","id":"account.updated","description":"when an account is updated",
		 "links":{"self":"x"}},{"type":"eventType","id":"connection.activated","description":"d"}],"links":{"self":"x"}}`),
	})
	c := ws.client(t)
	var ids []string
	for ev, err := range c.Events.All(ctxT(t), sdk.Filter().Eq("user.id", "u-1"), sdk.Limit(2)) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID+"="+string(ev.Type))
	}
	if want := "5a47115a=connection.updated e-2=consent.revoked e-3=user.created"; strings.Join(ids, " ") != want {
		t.Fatalf("got %v, want %s", ids, want)
	}
	reqs := ws.requests()
	if reqs[0].query != "filter=user.id.eq%28%27u-1%27%29&limit=2" || reqs[1].query != "next=2&limit=2" {
		t.Fatalf("got queries %q, %q; want the filter and limit, then the next link as given with the limit appended", reqs[0].query, reqs[1].query)
	}
	ev, err := c.Events.Get(ctxT(t), "e-3")
	if err != nil || ev.Type != sdk.EventUserCreated || string(ev.Data) != `{"id":"u-1"}` {
		t.Fatalf("got %+v, %v; want e-3 with its data", ev, err)
	}
	types, err := c.Events.Types(ctxT(t))
	if err != nil || len(types) != 2 || types[0].ID != sdk.EventAccountUpdated || types[0].Description == "" {
		t.Fatalf("got %+v, %v; want the two types", types, err)
	}
}

func TestEvents_All_stopsOnError(t *testing.T) {
	ws := newWireStub(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /events": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("next") == "" {
				raw(200, `{"type":"list","data":[{"id":"e-1","entity":"user","eventType":"created"}],"links":{"next":"{{base}}/events?next=2"}}`)(w, r)
				return
			}
			writeErr(w, 400, "parameter-not-valid", "bad cursor")
		},
	})
	var n, errs int
	for _, err := range ws.client(t).Events.All(ctxT(t), nil) {
		if err != nil {
			errs++
			continue
		}
		n++
	}
	if n != 1 || errs != 1 {
		t.Fatalf("got %d events and %d errors, want 1 and 1", n, errs)
	}
}
