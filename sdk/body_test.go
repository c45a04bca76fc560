package sdk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// answering serves every call with status and body, counting the calls.
func answering(t *testing.T, status int, body string) (*stub, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
	return s, &n
}

const errorList200 = `{"type":"list","correlationId":"corr-9","data":[{"type":"error","code":"internal-server-error","title":"Internal","detail":"Try later."}]}`

func TestBody_notTheResource(t *testing.T) {
	calls := []struct {
		name      string
		call      func(*sdk.Client) error
		method    string
		path      string
		route     string
		wantCalls int64 // a GET is retried (MaxAttempts 3), a POST never resent
	}{
		{"Users.Get", getUser, "GET", "/users/u-1", "/users/{id}", 3},
		{"Jobs.Get", func(c *sdk.Client) error { _, err := c.Jobs.Get(bg, "j-1"); return err }, "GET", "/jobs/j-1", "/jobs/{id}", 3},
		{"Connections.Create", func(c *sdk.Client) error {
			_, err := c.Connections.Create(bg, "u-1", gavin)
			return err
		}, "POST", "/users/u-1/connections", "/users/{id}/connections", 1},
	}
	bodies := []struct {
		name, body, reason string
	}{
		{"empty", ``, "empty body"},
		{"blank", " \n", "empty body"},
		{"null", `null`, "null"},
		{"html", `<html>oops</html>`, "not JSON"},
		{"array", `[]`, "not a JSON object"},
		{"other type", `{"type":"connection","id":"c-1"}`, `type "connection"`},
		{"no type", `{"id":"x-1"}`, `type ""`},
		{"error list", errorList200, "Basiq error list"},
	}
	for _, c := range calls {
		for _, b := range bodies {
			t.Run(c.name+"/"+b.name, func(t *testing.T) {
				s, n := answering(t, 200, b.body)
				err := c.call(s.client(t))
				var be *sdk.BodyError
				if !errors.As(err, &be) {
					t.Fatalf("got %v, want a *sdk.BodyError", err)
				}
				if be.StatusCode != 200 || be.Method != c.method || be.Path != c.path || be.Route != c.route || !strings.Contains(be.Reason, b.reason) {
					t.Errorf("got %d %s %s (%s) %q, want 200 %s %s (%s) and a reason with %q",
						be.StatusCode, be.Method, be.Path, be.Route, be.Reason, c.method, c.path, c.route, b.reason)
				}
				msg := err.Error()
				for _, want := range []string{"200", c.method + " " + c.route, b.reason, strings.TrimSpace(b.body)} {
					if !strings.Contains(msg, want) {
						t.Errorf("got %q, want it to contain %q", msg, want)
					}
				}
				if got := n.Load(); got != c.wantCalls {
					t.Errorf("got %d calls, want %d", got, c.wantCalls)
				}
				if !sdk.IsRetryable(err) || sdk.IsNotSent(err) {
					t.Errorf("got retryable %v, not sent %v; want retryable and sent", sdk.IsRetryable(err), sdk.IsNotSent(err))
				}
			})
		}
	}
}

func TestBody_userWithoutID(t *testing.T) {
	s, _ := answering(t, 200, `{"type":"user","email":"a@b.c"}`)
	var be *sdk.BodyError
	if err := getUser(s.client(t)); !errors.As(err, &be) || !strings.Contains(be.Reason, "no id") {
		t.Fatalf("got %v, want a *sdk.BodyError saying the user has no id", err)
	}
}

func TestBody_errorListKeepsDetails(t *testing.T) {
	s, _ := answering(t, 200, errorList200)
	err := getUser(s.client(t))
	var be *sdk.BodyError
	if !errors.As(err, &be) || be.CorrelationID != "corr-9" || len(be.Details) != 1 || be.Details[0].Code != "internal-server-error" {
		t.Fatalf("got %#v, want the error list's correlation id and code", err)
	}
}

func TestBody_lists(t *testing.T) {
	tests := []struct {
		name, body, reason string
		call               func(*sdk.Client) error
	}{
		{"jobs: null item", `{"type":"list","data":[null]}`, "item 0", listJobs},
		{"jobs: item without id", `{"type":"list","data":[{"type":"job"}]}`, "item 0", listJobs},
		{"jobs: connection item", `{"type":"list","data":[{"type":"job","id":"j-1"},{"type":"connection","id":"c-1"}]}`, "item 1", listJobs},
		{"jobs: a user", `{"type":"user","id":"u-1"}`, `type "user", want "list"`, listJobs},
		{"refresh all: error list", errorList200, "Basiq error list", func(c *sdk.Client) error {
			_, err := c.Connections.RefreshAll(bg, "u-1")
			return err
		}},
		{"account ids: item without id", `{"type":"list","data":[{"type":"account","name":"Everyday"}]}`, "item 0", accountIDs},
		{"account ids: a job item", `{"type":"list","data":[{"type":"account","id":"a-1"},{"type":"job","id":"j-1"}]}`, "item 1", accountIDs},
		{"account ids: an account", `{"type":"account","id":"a-1"}`, `type "account", want "list"`, accountIDs},
		{"transactions: null", `null`, "null", func(c *sdk.Client) error {
			_, err := c.Users.For("u-1").ListTransactions(bg, nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := answering(t, 200, tt.body)
			var be *sdk.BodyError
			if err := tt.call(s.client(t)); !errors.As(err, &be) || !strings.Contains(be.Reason, tt.reason) {
				t.Fatalf("got %v, want a *sdk.BodyError with %q", err, tt.reason)
			}
		})
	}
}

func listJobs(c *sdk.Client) error { _, err := c.Jobs.List(bg, "u-1", nil); return err }

func accountIDs(c *sdk.Client) error { _, err := c.Users.For("u-1").AccountIDs(bg, nil); return err }

// An empty 2xx body is fine where no resource is expected.
func TestBody_deleteNeedsNoBody(t *testing.T) {
	s, _ := answering(t, 204, ``)
	if err := deleteUser(s.client(t)); err != nil {
		t.Fatalf("got %v, want nil for a 204", err)
	}
}

func TestBody_overSizeLimit(t *testing.T) {
	big := `{"type":"user","id":"u-1","firstName":"` + strings.Repeat("a", 33<<20) + `"}`
	s, n := answering(t, 200, big)
	err := getUser(s.client(t))
	var be *sdk.BodyError
	if !errors.As(err, &be) || be.Limit != 32<<20 {
		t.Fatalf("got %v, want a *sdk.BodyError naming the 32 MiB limit", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "32 MiB") || strings.Contains(msg, "unexpected end") || len(msg) > 1000 {
		t.Errorf("got %q, want a short message naming the 32 MiB limit", msg)
	}
	if sdk.IsRetryable(err) || n.Load() != 1 {
		t.Errorf("got retryable %v after %d calls, want not retried", sdk.IsRetryable(err), n.Load())
	}
}

func TestBody_snippetBounded(t *testing.T) {
	s, _ := answering(t, 200, `<html>`+string(bytes.Repeat([]byte("x"), 10000))+`</html>`)
	err := getUser(s.client(t))
	var be *sdk.BodyError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want a *sdk.BodyError", err)
	}
	if len(be.Snippet) > 200 || len(err.Error()) > 400 {
		t.Fatalf("got %d-byte snippet, %d-byte message; want at most 200 and 400", len(be.Snippet), len(err.Error()))
	}
}

// A 200 with a null body is not a job: the worker can tell it from an API
// error and from a network failure.
func ExampleBodyError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			fmt.Fprint(w, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`)
			return
		}
		fmt.Fprint(w, "null")
	}))
	defer srv.Close()
	c, err := sdk.New("YOUR-API-KEY", sdk.WithBaseURL(srv.URL), sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Jobs.Get(context.Background(), "j-1")
	var be *sdk.BodyError
	if errors.As(err, &be) {
		fmt.Println(be.StatusCode, be.Method, be.Path, be.Reason)
		fmt.Println(err)
	}
	// Output:
	// 200 GET /jobs/j-1 null body
	// basiq: 200 (GET /jobs/{id}): unexpected answer: null body: null
}
