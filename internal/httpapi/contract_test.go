package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contract validates requests and answers against openapi.json and
// records which (operation, status) pairs were seen.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	mu     sync.Mutex
	seen   map[string]bool
}

func loadContract(t *testing.T) *contract {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.IsOpenAPI32OrLater() {
		t.Fatalf("openapi.json: version %s, want 3.1", doc.OpenAPI)
	}
	doc.Servers = openapi3.Servers{{URL: "http://api.test"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &contract{doc: doc, router: router, seen: map[string]bool{}}
}

// input routes req (its URL on http://api.test) to its operation.
func (c *contract) input(t *testing.T, req *http.Request, body []byte) *openapi3filter.RequestValidationInput {
	t.Helper()
	r := req.Clone(context.Background())
	u := *req.URL
	u.Scheme, u.Host = "http", "api.test"
	r.URL, r.Host = &u, "api.test"
	r.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		t.Fatalf("%s %s: no operation in openapi.json: %v", req.Method, req.URL.Path, err)
	}
	return &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
}

// check validates the request (when wantValid, it must conform; else the
// document must reject it too) and the answer, and records the pair.
func (c *contract) check(t *testing.T, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, wantValid bool) {
	t.Helper()
	in := c.input(t, req, reqBody)
	err := openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case wantValid && err != nil:
		t.Errorf("%s %s: request does not conform to openapi.json: %v", req.Method, req.URL, err)
	case !wantValid && err == nil:
		t.Errorf("%s %s: openapi.json accepts a request the server rejects (%d)", req.Method, req.URL, resp.StatusCode)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: answer %d does not conform to openapi.json: %v\n%s", req.Method, req.URL, resp.StatusCode, err, respBody)
	}
	c.mu.Lock()
	c.seen[fmt.Sprintf("%s %d", in.Route.Operation.OperationID, resp.StatusCode)] = true
	c.mu.Unlock()
}

// missing lists the (operation, status) pairs of the document never seen.
func (c *contract) missing() []string {
	var out []string
	for _, item := range c.doc.Paths.Map() {
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				if k := op.OperationID + " " + code; !c.seen[k] {
					out = append(out, k)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// call sends a request through f and checks it against the contract.
func (c *contract) call(t *testing.T, f *fixture, wantValid bool, method, path string, body any, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req := f.request(method, path, body, headers...)
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	req.Body = nil
	c.check(t, req, reqBody, resp, respBody, wantValid)
	return resp, respBody
}

func pathEscape(s string) string { return url.PathEscape(s) }

func bigBody(n int) string { return `{"userId":"` + strings.Repeat("u", n) + `"}` }
