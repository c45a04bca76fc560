package sdk_test

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

func TestWebhooks_wire(t *testing.T) {
	hook := `{"type":"webhook","id":"w-1","name":"n","url":"https://piper.com/hook","status":"active","secret":"whsec_c2VjcmV0",
	 "subscribedEvents":["connection.created","consent.revoked"],"links":{"self":"x"}}`
	ws := newWireStub(t, map[string]func(http.ResponseWriter, *http.Request){
		"POST /notifications/webhooks": raw(201, hook),
		"GET /notifications/webhooks": raw(200, `{"type":"list","count":1,"size":1,"data":[{"type":"webhook","id":"w-1","url":"https://piper.com/hook",
		 "status":"active","subscribedEvents":"user.created"}],"links":{"self":"x"}}`),
		"GET /notifications/webhooks/w-1":    raw(200, hook),
		"POST /notifications/webhooks/w-1":   raw(200, hook),
		"DELETE /notifications/webhooks/w-1": raw(204, ""),
	})
	c := ws.client(t)
	p := sdk.WebhookParams{URL: "https://piper.com/hook", SubscribedEvents: []sdk.EventType{sdk.EventConnectionCreated, sdk.EventConsentRevoked}}
	created, err := c.Webhooks.Create(ctxT(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if created.Secret != "whsec_c2VjcmV0" || len(created.SubscribedEvents) != 2 {
		t.Fatalf("got %+v, want the secret and two types", created)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", created, created, *created, created); strings.Contains(s, "c2VjcmV0") {
		t.Fatalf("printed webhook %q shows the secret", s)
	}
	list, err := c.Webhooks.List(ctxT(t))
	if err != nil || len(list) != 1 || len(list[0].SubscribedEvents) != 1 || list[0].SubscribedEvents[0] != sdk.EventUserCreated {
		t.Fatalf("got %+v, %v; want one webhook whose single-string subscribedEvents decodes", list, err)
	}
	if _, err := c.Webhooks.Get(ctxT(t), "w-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Webhooks.Update(ctxT(t), "w-1", sdk.WebhookParams{URL: "https://piper.com/v2"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Webhooks.Delete(ctxT(t), "w-1"); err != nil {
		t.Fatal(err)
	}
	reqs := ws.requests()
	if len(reqs) != 5 || reqs[0].body != `{"url":"https://piper.com/hook","subscribedEvents":["connection.created","consent.revoked"]}` ||
		reqs[3].body != `{"url":"https://piper.com/v2"}` {
		t.Fatalf("got requests %+v, want create, list, get, update, delete with their bodies", reqs)
	}
}

func TestPurge_wire(t *testing.T) {
	ws := newWireStub(t, map[string]func(http.ResponseWriter, *http.Request){
		"POST /users/u-1/connections/c-1/purge": raw(204, ""),
	})
	c := ws.client(t)
	if err := c.Connections.Purge(ctxT(t), "u-1", "c-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Users.For("u-1").Connection("c-1").Purge(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if reqs := ws.requests(); len(reqs) != 2 || reqs[0].body != "" {
		t.Fatalf("got %+v, want two purges without a body", reqs)
	}
}

func TestUploadStatement_wire(t *testing.T) {
	ws := newWireStub(t, map[string]func(http.ResponseWriter, *http.Request){
		"POST /users/u-1/statements": raw(202, `{"type":"job","id":"j-9","links":{"self":"x"}}`),
	})
	pdf := []byte("%PDF-1.4 statement\r\n\x00\xff")
	job, err := ws.client(t).Users.For("u-1").UploadStatement(ctxT(t), sdk.Statement{InstitutionID: "AU00201", FileName: `dir/Jan "2026".PDF`, Content: bytes.NewReader(pdf)})
	if err != nil || job.ID != "j-9" {
		t.Fatalf("got %+v, %v; want job j-9", job, err)
	}
	req := ws.requests()[0]
	mt, params, err := mime.ParseMediaType(req.ctype)
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("got content type %q, want multipart/form-data", req.ctype)
	}
	mr := multipart.NewReader(strings.NewReader(req.body), params["boundary"])
	parts := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		parts[p.FormName()] = string(b)
		if p.FormName() == "statement" && (p.FileName() != `Jan "2026".PDF` || p.Header.Get("Content-Type") != "application/pdf") {
			t.Errorf("got file %q of type %q, want the base name as application/pdf", p.FileName(), p.Header.Get("Content-Type"))
		}
	}
	if parts["institutionId"] != "AU00201" || parts["statement"] != string(pdf) {
		t.Fatalf("got parts %q, want institutionId and the file's exact bytes", parts)
	}
}

func TestUploadStatement_bad(t *testing.T) {
	ws := newWireStub(t, nil)
	u := ws.client(t).Users.For("u-1")
	tests := map[string]sdk.Statement{
		"no institution": {FileName: "a.pdf", Content: strings.NewReader("%PDF-")},
		"not pdf or csv": {InstitutionID: "AU00201", FileName: "a.docx", Content: strings.NewReader("x")},
		"no content":     {InstitutionID: "AU00201", FileName: "a.csv"},
		"too big":        {InstitutionID: "AU00201", FileName: "a.csv", Content: io.LimitReader(zeros{}, 33<<20)},
	}
	for name, st := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := u.UploadStatement(ctxT(t), st); err == nil {
				t.Fatal("got nil error, want one")
			}
		})
	}
	if n := ws.calls.Load(); n != 0 {
		t.Fatalf("got %d requests, want none", n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestJobs_pages_wire(t *testing.T) {
	job := func(id string) string {
		return `{"type":"job","id":"` + id + `","steps":[],"institution":{"type":"institution","id":"AU00000"},"links":{"source":"{{base}}/users/u-1/connections/c-1"}}`
	}
	ws := newWireStub(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /users/u-1/jobs": func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Query().Get("next") {
			case "":
				raw(200, `{"type":"list","count":2,"size":3,"data":[`+job("j-3")+`,`+job("j-2")+`],"links":{"next":"{{base}}/users/u-1/jobs?limit=2&next=p2"}}`)(w, r)
			default:
				raw(200, `{"type":"list","count":1,"size":3,"data":[`+job("j-1")+`],"links":{"self":"x"}}`)(w, r)
			}
		},
	})
	c := ws.client(t)
	first, err := c.Jobs.ListPage(ctxT(t), "u-1", nil, sdk.Limit(2))
	if err != nil || len(first.Data) != 2 || !first.HasNext() || first.Size != 3 || first.Data[0].Institution.ID != "AU00000" {
		t.Fatalf("got %+v, %v; want the first page of 2 of 3", first, err)
	}
	second, err := c.Jobs.Next(ctxT(t), first)
	if err != nil || len(second.Data) != 1 || second.HasNext() {
		t.Fatalf("got %+v, %v; want the last page", second, err)
	}
	if last, err := c.Jobs.Next(ctxT(t), second); last != nil || err != nil {
		t.Fatalf("after the last page: got %+v, %v; want nil, nil", last, err)
	}
	all, err := c.Jobs.List(ctxT(t), "u-1", sdk.Filter().Eq("connection.id", "c-1"))
	if err != nil || len(all) != 3 || all[0].ID != "j-3" || all[2].ID != "j-1" || all[1].ConnectionID() != "c-1" {
		t.Fatalf("got %+v, %v; want j-3, j-2, j-1 of c-1", all, err)
	}
	var n int
	for j, err := range c.Users.For("u-1").AllJobs(ctxT(t), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if j.ID == "j-2" {
			break
		}
	}
	reqs := ws.requests()
	if n != 2 || len(reqs) != 5 || reqs[1].query != "limit=2&next=p2" {
		t.Fatalf("got %d jobs before break and requests %+v; want 2, and the next link followed as given", n, reqs)
	}
}
