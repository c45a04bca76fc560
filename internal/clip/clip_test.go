package clip

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		max  int
		want string
	}{
		{"short", "abc", 5, "abc"},
		{"exact", "abcde", 5, "abcde"},
		{"long", "abcdef", 5, "abcde…(6 bytes)"},
		{"default", strings.Repeat("x", Max+1), 0, strings.Repeat("x", Max) + "…(129 bytes)"},
		{"rune boundary", "aé" + "bbbb", 2, "a…(7 bytes)"},
		{"empty", "", 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := String(tc.s, tc.max); got != tc.want {
				t.Errorf("String(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
			}
		})
	}
}

func BenchmarkString_5MB(b *testing.B) {
	s := strings.Repeat("u", 5<<20)
	for b.Loop() {
		_ = String(s, 0)
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		max  int
		want string
	}{
		{"short", "abc", 5, `"abc"`},
		{"exact", "abcde", 5, `"abcde"`},
		{"long", "abcdef", 5, `"abcde"…(6 bytes)`},
		{"escapes", "a\nb", 5, `"a\nb"`},
		{"rune boundary", "aé" + "bbbb", 2, `"a"…(7 bytes)`},
		{"empty", "", 3, `""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Quote(tc.s, tc.max); got != tc.want {
				t.Errorf("Quote(%q, %d) = %s, want %s", tc.s, tc.max, got, tc.want)
			}
		})
	}
}
