package sdk

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestFilter_String(t *testing.T) {
	tests := []struct {
		name string
		f    *FilterBuilder
		want string
	}{
		{"nil", nil, ""},
		{"empty", Filter(), ""},
		{"eq", Filter().Eq("connection.id", "x"), "connection.id.eq('x')"},
		{"node readme", Filter().Eq("connection.id", "x").Bt("transaction.postDate", "a", "b"),
			"connection.id.eq('x'),transaction.postDate.bt('a','b')"},
		{"ops", Filter().Gt("a", "1").Gteq("b", "2").Lt("c", "3").Lteq("d", "4"),
			"a.gt('1'),b.gteq('2'),c.lt('3'),d.lteq('4')"},
		{"quote escaped", Filter().Eq("account.id", "a'),b.eq('c"), `account.id.eq('a\'),b.eq(\'c')`},
		{"backslash escaped", Filter().Eq("account.id", `a\`), `account.id.eq('a\\')`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFilter_badField(t *testing.T) {
	f := Filter().Eq("a').b.eq('", "x")
	if f.Err() == nil || f.String() != "" {
		t.Fatalf("got err %v and %q, want an error and no term", f.Err(), f.String())
	}
	if _, err := f.query(); err == nil {
		t.Fatal("got nil error from query, want the field error")
	}
}

func TestFilter_copy(t *testing.T) {
	base := Filter().Eq("connection.id", "c")
	a := base.Filter().Eq("transaction.status", "posted")
	if base.String() != "connection.id.eq('c')" || !strings.HasSuffix(a.String(), "transaction.status.eq('posted')") {
		t.Fatalf("got base %q and copy %q, want the base unchanged", base, a)
	}
}

func TestFilter_query(t *testing.T) {
	q, err := Filter().Eq("connection.id", "a b&c=d").query()
	if err != nil {
		t.Fatal(err)
	}
	enc := q.Encode()
	back, _ := url.ParseQuery(enc)
	if got, want := back.Get("filter"), "connection.id.eq('a b&c=d')"; got != want {
		t.Fatalf("got %q, want %q (wire %s)", got, want, enc)
	}
}

type term struct {
	field, op string
	values    []string
}

var errSyntax = errors.New("filter syntax")

// parseFilter reads filters as String writes them, undoing the escaping.
func parseFilter(s string) ([]term, error) {
	var terms []term
	for s != "" {
		open := strings.IndexByte(s, '(')
		if open < 0 {
			return nil, errSyntax
		}
		head := s[:open]
		dot := strings.LastIndexByte(head, '.')
		if dot < 0 {
			return nil, errSyntax
		}
		t := term{field: head[:dot], op: head[dot+1:]}
		s = s[open+1:]
		for {
			v, rest, err := parseQuoted(s)
			if err != nil {
				return nil, err
			}
			t.values = append(t.values, v)
			if strings.HasPrefix(rest, ",'") {
				s = rest[1:]
				continue
			}
			if !strings.HasPrefix(rest, ")") {
				return nil, errSyntax
			}
			s = rest[1:]
			break
		}
		terms = append(terms, t)
		if s != "" {
			if s[0] != ',' {
				return nil, errSyntax
			}
			s = s[1:]
		}
	}
	return terms, nil
}

func parseQuoted(s string) (string, string, error) {
	if !strings.HasPrefix(s, "'") {
		return "", "", errSyntax
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return "", "", errSyntax
			}
			i++
			b.WriteByte(s[i])
		case '\'':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", errSyntax
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{"x", "", "a'),b.eq('c", `\`, `\'`, "'", "',", "a,b", "日本"} {
		f.Add(s, "2026-01-01")
	}
	f.Fuzz(func(t *testing.T, v, w string) {
		fb := Filter().Eq("connection.id", v).Bt("transaction.postDate", w, v)
		terms, err := parseFilter(fb.String())
		if err != nil {
			t.Fatalf("parse %q: %v", fb.String(), err)
		}
		if len(terms) != 2 {
			t.Fatalf("got %d terms from %q, want 2", len(terms), fb.String())
		}
		if terms[0].field != "connection.id" || terms[0].op != "eq" || len(terms[0].values) != 1 || terms[0].values[0] != v {
			t.Fatalf("got %+v, want connection.id eq %q", terms[0], v)
		}
		if terms[1].op != "bt" || len(terms[1].values) != 2 || terms[1].values[0] != w || terms[1].values[1] != v {
			t.Fatalf("got %+v, want bt %q %q", terms[1], w, v)
		}
		q, _ := fb.query()
		back, err := url.ParseQuery(q.Encode())
		if err != nil || back.Get("filter") != fb.String() {
			t.Fatalf("wire round trip: got %q, %v, want %q", back.Get("filter"), err, fb.String())
		}
	})
}

// TestIsDottedName checks the loop against the field syntax written as a regexp.
func TestIsDottedName(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$`)
	for _, s := range []string{"", "a", "A", "_", "1", "a1", "a_", "a.b", "connection.id", "transaction.postDate",
		"a.", ".a", "a..b", "a.1", "a.b_2.C", "a b", "a-b", "a').b.eq('", "é", "aé", "a.b.", "ab.cd.ef"} {
		if got, want := isDottedName(s), re.MatchString(s); got != want {
			t.Errorf("isDottedName(%q) = %v, want %v", s, got, want)
		}
	}
}
