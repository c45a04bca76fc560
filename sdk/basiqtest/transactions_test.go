package basiqtest

import (
	"strings"
	"testing"
	"time"
)

type txList struct {
	Type  string           `json:"type"`
	Count int              `json:"count"`
	Size  int              `json:"size"`
	Data  []map[string]any `json:"data"`
	Links struct {
		Self string `json:"self"`
		Next string `json:"next"`
	} `json:"links"`
}

// txSetup connects gavinBelson with 40 transactions per account and lets the job finish.
func txSetup(t *testing.T) (*Server, *client, string, string) {
	srv, c, clk := setup(t, WithTransactionsPerAccount(40))
	uid, cid, _ := c.connect("AU00000", "gavinBelson", "hooli2016")
	clk.Advance(hour)
	return srv, c, uid, cid
}

// all follows links.next from path and returns every page.
func (c *client) allPages(path string) []txList {
	var pages []txList
	for path != "" {
		var l txList
		c.must(200, "GET", path, "").decode(c.t, &l)
		pages = append(pages, l)
		path = l.Links.Next
	}
	return pages
}

func TestTransactions_List_paging(t *testing.T) {
	srv, c, uid, _ := txSetup(t)
	nAcct := int(c.must(200, "GET", "/users/"+uid+"/accounts", "").obj(t)["count"].(float64))
	pages := c.allPages("/users/" + uid + "/transactions?limit=25")
	total := 0
	var all []map[string]any
	for i, p := range pages {
		total += p.Count
		all = append(all, p.Data...)
		if p.Size != nAcct*40 || p.Count != len(p.Data) || p.Count > 25 {
			t.Errorf("page %d: got count %d size %d, want <= 25 and size %d", i, p.Count, p.Size, nAcct*40)
		}
		if i < len(pages)-1 && !strings.HasPrefix(p.Links.Next, srv.URL+"/users/"+uid+"/transactions?next=") {
			t.Errorf("page %d next: got %q, want an absolute URL", i, p.Links.Next)
		}
	}
	if total != nAcct*40 || len(pages) != (nAcct*40+24)/25 {
		t.Errorf("got %d items in %d pages, want %d", total, len(pages), nAcct*40)
	}
	checkOrder(t, all)
	if l := c.allPages("/users/" + uid + "/transactions"); len(l) != 1 || l[0].Links.Next != "" {
		t.Errorf("default limit: got %d pages, want 1 without next", len(l))
	}
}

// checkOrder: by account, then pending first, then postDate descending.
func checkOrder(t *testing.T, txs []map[string]any) {
	t.Helper()
	seen := map[string]bool{}
	for i := 1; i < len(txs); i++ {
		a, b := txs[i-1], txs[i]
		if a["account"] != b["account"] {
			if seen[b["account"].(string)] {
				t.Fatalf("item %d: account %v again, want grouped by account", i, b["account"])
			}
			seen[a["account"].(string)] = true
			continue
		}
		if a["status"] == "posted" && b["status"] == "pending" {
			t.Fatalf("item %d: pending after posted", i)
		}
		if a["status"] == "posted" && a["postDate"].(string) < b["postDate"].(string) {
			t.Fatalf("item %d: postDate %v after %v, want descending", i, b["postDate"], a["postDate"])
		}
	}
}

func TestTransactions_List_filter(t *testing.T) {
	_, c, uid, cid := txSetup(t)
	var first txList
	c.must(200, "GET", "/users/"+uid+"/transactions?limit=1", "").decode(t, &first)
	acct := first.Data[0]["account"].(string)
	var posted txList
	c.must(200, "GET", "/users/"+uid+"/transactions?limit=10&filter="+urlq("transaction.status.eq('posted')"), "").decode(t, &posted)
	day := posted.Data[5]["postDate"].(string)[:10]
	tests := []struct {
		filter string
		check  func(map[string]any) bool
	}{
		{"connection.id.eq('" + cid + "')", func(m map[string]any) bool { return m["connection"] == cid }},
		{"account.id.eq('" + acct + "')", func(m map[string]any) bool { return m["account"] == acct }},
		{"institution.id.eq('AU00000')", func(m map[string]any) bool { return m["institution"] == "AU00000" }},
		{"transaction.status.eq('pending')", func(m map[string]any) bool { return m["status"] == "pending" && m["postDate"] == nil }},
		{"transaction.direction.eq('credit')", func(m map[string]any) bool {
			return m["direction"] == "credit" && !strings.HasPrefix(m["amount"].(string), "-")
		}},
		{"transaction.class.eq('payment')", func(m map[string]any) bool { return m["class"] == "payment" }},
		{"transaction.postDate.eq('" + day + "')", func(m map[string]any) bool { return m["postDate"].(string)[:10] == day }},
		{"transaction.postDate.gt('" + day + "')", func(m map[string]any) bool { return m["postDate"].(string)[:10] > day }},
		{"transaction.postDate.lteq('" + day + "'),account.id.eq('" + acct + "')", func(m map[string]any) bool { return m["postDate"].(string)[:10] <= day && m["account"] == acct }},
		{"transaction.postDate.bt('2000-01-01','" + day + "')", func(m map[string]any) bool { return m["postDate"].(string)[:10] <= day }},
	}
	for _, tt := range tests {
		pages := c.allPages("/users/" + uid + "/transactions?limit=7&filter=" + urlq(tt.filter))
		n := 0
		for _, p := range pages {
			for _, m := range p.Data {
				n++
				if !tt.check(m) {
					t.Errorf("filter %s: got %v, which does not match", tt.filter, m)
				}
			}
		}
		if n == 0 || n != pages[0].Size {
			t.Errorf("filter %s: got %d items across pages, size %d; want matching non-zero", tt.filter, n, pages[0].Size)
		}
	}
}

func TestTransactions_List_badParams(t *testing.T) {
	_, c, uid, _ := txSetup(t)
	tests := []struct{ query, wantParam string }{
		{"limit=501", "limit"}, {"limit=0", "limit"}, {"limit=abc", "limit"}, {"limit=", "limit"},
		{"next=garbage", "next"}, {"next=", "next"},
		{"filter=" + urlq("transaction.postDate.eq('yesterday')"), "filter"},
		{"filter=" + urlq("transaction.postDate.bt('2020-01-01')"), "filter"},
		{"filter=" + urlq("description.eq('x')"), "filter"},
	}
	for _, tt := range tests {
		r := c.must(400, "GET", "/users/"+uid+"/transactions?"+tt.query, "")
		var e errorBody
		r.decode(t, &e)
		if e.Data[0].Code != "parameter-not-valid" || e.Data[0].Source.Parameter != tt.wantParam {
			t.Errorf("%s: got %s, want parameter-not-valid on %s", tt.query, r.body, tt.wantParam)
		}
	}
}

func TestTransactions_Get(t *testing.T) {
	srv, c, uid, _ := txSetup(t)
	var l txList
	c.must(200, "GET", "/users/"+uid+"/transactions?limit=5", "").decode(t, &l)
	id := l.Data[4]["id"].(string)
	got := c.must(200, "GET", "/users/"+uid+"/transactions/"+id, "").obj(t)
	if got["id"] != id || got["type"] != "transaction" || got["links"].(map[string]any)["self"] != srv.URL+"/users/"+uid+"/transactions/"+id {
		t.Errorf("got %v, want transaction %s", got, id)
	}
	for _, k := range []string{"amount", "balance"} {
		if _, ok := got[k].(string); !ok {
			t.Errorf("%s: got %v, want a string", k, got[k])
		}
	}
	c.must(404, "GET", "/users/"+uid+"/transactions/nope", "")
}

func TestTransactions_beforeStep(t *testing.T) {
	_, c, clk := setup(t)
	uid, _, _ := c.connect("AU00000", "jared", "django")
	clk.Advance(4 * time.Second)
	var l txList
	c.must(200, "GET", "/users/"+uid+"/transactions", "").decode(t, &l)
	if l.Count != 0 || l.Size != 0 {
		t.Errorf("before retrieve-transactions: got %d/%d, want none", l.Count, l.Size)
	}
}

func TestAccounts(t *testing.T) {
	srv, c, uid, cid := txSetup(t)
	var l struct {
		Count int              `json:"count"`
		Data  []map[string]any `json:"data"`
	}
	c.must(200, "GET", "/users/"+uid+"/accounts?filter="+urlq("connection.id.eq('"+cid+"')"), "").decode(t, &l)
	if l.Count < 2 || l.Count > 3 {
		t.Fatalf("got %d accounts, want 2 or 3", l.Count)
	}
	id := l.Data[1]["id"].(string)
	a := c.must(200, "GET", "/users/"+uid+"/accounts/"+id, "").obj(t)
	if a["type"] != "account" || a["connection"] != cid || a["institution"] != "AU00000" || a["currency"] != "AUD" ||
		a["links"].(map[string]any)["self"] != srv.URL+"/users/"+uid+"/accounts/"+id {
		t.Errorf("got %v, want account %s of %s", a, id, cid)
	}
	c.must(200, "GET", "/users/"+uid+"/accounts?filter="+urlq("account.id.eq('"+id+"')"), "").decode(t, &l)
	if l.Count != 1 {
		t.Errorf("filter account.id: got %d, want 1", l.Count)
	}
	c.must(404, "GET", "/users/"+uid+"/accounts/nope", "")
	c.must(400, "GET", "/users/"+uid+"/accounts?filter="+urlq("balance.gt('1')"), "")
}
