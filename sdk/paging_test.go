package sdk_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// pages serves a user's transactions from a map of raw query -> the next
// link it answers ("" for the last page), recording the raw queries asked.
func pages(t *testing.T, next map[string]string) (*stub, *recorder) {
	t.Helper()
	rec := &recorder{}
	s := newStub(t, rec.handler(func(w http.ResponseWriter, r *http.Request) {
		link, ok := next[r.URL.RawQuery]
		if !ok {
			writeErr(w, 400, "parameter-not-valid", "unknown page "+r.URL.RawQuery)
			return
		}
		page := map[string]any{"type": "list", "count": 1, "data": []map[string]any{{"type": "transaction", "id": "t-" + r.URL.RawQuery}},
			"links": map[string]any{"self": "/users/u-1/transactions?" + r.URL.RawQuery}}
		if link != "" {
			page["links"].(map[string]any)["next"] = link
		}
		writeJSON(w, 200, page)
	}))
	return s, rec
}

func TestTransactions_nextLinkKeptAsGiven(t *testing.T) {
	tests := []struct {
		name string
		next map[string]string
		want []string // raw queries the server sees, in order
	}{
		{"cursor with a semicolon", map[string]string{
			"limit=2":           "/users/u-1/transactions?next=p2;x",
			"next=p2;x&limit=2": "",
		}, []string{"limit=2", "next=p2;x&limit=2"}},
		{"cursor with a bad escape", map[string]string{
			"limit=2":            "/users/u-1/transactions?next=p2%zz",
			"next=p2%zz&limit=2": "",
		}, []string{"limit=2", "next=p2%zz&limit=2"}},
		{"order and escapes kept, limit given", map[string]string{
			"limit=2":             "/users/u-1/transactions?z=1&limit=2&a=%41+b",
			"z=1&limit=2&a=%41+b": "/users/u-1/transactions?next=3",
			"next=3&limit=2":      "",
		}, []string{"limit=2", "z=1&limit=2&a=%41+b", "next=3&limit=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rec := pages(t, tt.next)
			n := 0
			for _, err := range s.client(t).Users.For("u-1").Transactions(ctxT(t), nil, sdk.Limit(2)) {
				if err != nil {
					t.Fatal(err)
				}
				if n++; n > 10 {
					t.Fatal("got more than 10 transactions, want 2 or 3: the cursor was lost")
				}
			}
			var got []string
			for _, r := range rec.reqs {
				got = append(got, r.URL.RawQuery)
			}
			if strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
				t.Fatalf("got queries %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTransactions_nextLinkToSamePage(t *testing.T) {
	tests := []struct {
		name string
		next map[string]string
	}{
		{"next is the first page", map[string]string{"limit=2": "/users/u-1/transactions?limit=2"}},
		{"next is itself", map[string]string{
			"limit=2":        "/users/u-1/transactions?next=2",
			"next=2&limit=2": "/users/u-1/transactions?next=2",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rec := pages(t, tt.next)
			var errs []error
			n := 0
			for _, err := range s.client(t).Users.For("u-1").Transactions(ctxT(t), nil, sdk.Limit(2)) {
				if err != nil {
					errs = append(errs, err)
				}
				if n++; n > 10 {
					t.Fatal("got more than 10 results, want the loop stopped")
				}
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), "page just read") {
				t.Fatalf("got errors %v, want one naming the page just read", errs)
			}
			if len(rec.reqs) != len(tt.next) {
				t.Fatalf("got %d requests, want %d", len(rec.reqs), len(tt.next))
			}
		})
	}
}
