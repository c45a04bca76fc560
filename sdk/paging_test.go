package sdk_test

import (
	"iter"
	"net/http"
	"path"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// pages serves a paged collection from a map of raw query -> the raw query
// of the next link it answers ("" for the last page), recording the raw
// queries asked. Items are of the collection's type (transaction, job).
func pages(t *testing.T, next map[string]string) (*stub, *recorder) {
	t.Helper()
	rec := &recorder{}
	s := newStub(t, rec.handler(func(w http.ResponseWriter, r *http.Request) {
		link, ok := next[r.URL.RawQuery]
		if !ok {
			writeErr(w, 400, "parameter-not-valid", "unknown page "+r.URL.RawQuery)
			return
		}
		typ := strings.TrimSuffix(path.Base(r.URL.Path), "s")
		links := map[string]any{"self": r.URL.Path + "?" + r.URL.RawQuery}
		if link != "" {
			links["next"] = r.URL.Path + "?" + link
		}
		writeJSON(w, 200, map[string]any{"type": "list", "count": 1, "links": links,
			"data": []map[string]any{{"type": typ, "id": typ + "-" + r.URL.RawQuery}}})
	}))
	return s, rec
}

// pagers are the SDK's paged iterators, each read with Limit(2) and
// stopped after 10 items (a lost cursor would loop forever).
var pagers = []struct {
	name string
	read func(*sdk.Client) (items int, errs []error)
}{
	{"transactions", func(c *sdk.Client) (int, []error) {
		return drain(c.Users.For("u-1").Transactions(bg, nil, sdk.Limit(2)))
	}},
	{"user jobs", func(c *sdk.Client) (int, []error) { return drain(c.Jobs.All(bg, "u-1", nil, sdk.Limit(2))) }},
}

func drain[T any](seq iter.Seq2[T, error]) (n int, errs []error) {
	for _, err := range seq {
		if err != nil {
			errs = append(errs, err)
		}
		if n++; n > 10 {
			break
		}
	}
	return n, errs
}

func TestPages_nextLinkKeptAsGiven(t *testing.T) {
	tests := []struct {
		name string
		next map[string]string
		want []string // raw queries the server sees, in order
	}{
		{"cursor with a semicolon", map[string]string{
			"limit=2":           "next=p2;x",
			"next=p2;x&limit=2": "",
		}, []string{"limit=2", "next=p2;x&limit=2"}},
		{"cursor with a bad escape", map[string]string{
			"limit=2":            "next=p2%zz",
			"next=p2%zz&limit=2": "",
		}, []string{"limit=2", "next=p2%zz&limit=2"}},
		{"order and escapes kept, limit given", map[string]string{
			"limit=2":             "z=1&limit=2&a=%41+b",
			"z=1&limit=2&a=%41+b": "next=3",
			"next=3&limit=2":      "",
		}, []string{"limit=2", "z=1&limit=2&a=%41+b", "next=3&limit=2"}},
	}
	for _, p := range pagers {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				s, rec := pages(t, tt.next)
				n, errs := p.read(s.client(t))
				if len(errs) > 0 || n > 10 {
					t.Fatalf("got %d items, errors %v; want %d items, no error (a lost cursor loops)", n, errs, len(tt.want))
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
}

func TestPages_nextLinkToSamePage(t *testing.T) {
	tests := []struct {
		name string
		next map[string]string
	}{
		{"next is the first page", map[string]string{"limit=2": "limit=2"}},
		{"next is itself", map[string]string{
			"limit=2":        "next=2",
			"next=2&limit=2": "next=2",
		}},
		{"next repeats the URL read", map[string]string{
			"limit=2":        "next=2&limit=2",
			"next=2&limit=2": "next=2&limit=2",
		}},
	}
	for _, p := range pagers {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				s, rec := pages(t, tt.next)
				n, errs := p.read(s.client(t))
				if n > 10 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "page just read") {
					t.Fatalf("got %d results, errors %v; want one error naming the page just read", n, errs)
				}
				if len(rec.reqs) != len(tt.next) {
					t.Fatalf("got %d requests, want %d", len(rec.reqs), len(tt.next))
				}
			})
		}
	}
}
