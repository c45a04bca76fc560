package basiqtest

import "testing"

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
