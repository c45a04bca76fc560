package basiqtest

import (
	"strings"
	"testing"
)

func TestParseFilter_escapes(t *testing.T) {
	fields := map[string]bool{"account.id": true}
	tests := []struct {
		in   string
		want string
	}{
		{`account.id.eq('plain')`, `plain`},
		{`account.id.eq('it\'s')`, `it's`},
		{`account.id.eq('a\\')`, `a\`},
		{`account.id.eq('a\\b')`, `a\b`},
		{`account.id.eq('a\\\'b')`, `a\'b`},
	}
	for _, tt := range tests {
		f, err := parseFilter(tt.in, fields)
		if err != nil {
			t.Errorf("parseFilter(%q): %v", tt.in, err.item.Detail)
			continue
		}
		if len(f) != 1 || len(f[0].values) != 1 || f[0].values[0] != tt.want {
			t.Errorf("parseFilter(%q) = %+v, want one term with value %q", tt.in, f, tt.want)
		}
	}
}

// FuzzParseFilter checks that no filter makes the parser panic, and that any value escaped as
// the SDK escapes it (\ as \\, ' as \') comes back unchanged as one term.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`account.id.eq('a')`, `transaction.postDate.bt('2026-01-01','2026-01-31')`,
		`account.id.eq('it\'s'),account.id.gt('x')`, `a.eq(`, `.eq('')`, `account.id.eq('\`, `'),(`} {
		f.Add(s)
	}
	fields := map[string]bool{"account.id": true, "transaction.postDate": true}
	esc := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseFilter(s, fields)
		in := "account.id.eq('" + esc.Replace(s) + "')"
		got, err := parseFilter(in, fields)
		if err != nil {
			t.Fatalf("parseFilter(%q): %s", in, err.item.Detail)
		}
		if len(got) != 1 || len(got[0].values) != 1 || got[0].values[0] != s {
			t.Fatalf("parseFilter(%q) = %+v, want one term with value %q", in, got, s)
		}
	})
}
