package redact

import "testing"

func TestSecret(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"x", "****"},
		{"whsec_c2VjcmV0", "****"},
	} {
		if got := Secret(tc.in); got != tc.want {
			t.Errorf("Secret(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"},
		{"redis://:pa55@host:6379/0", "redis://:****@host:6379/0"},
		{"rediss://user:pa55@host:6380", "rediss://user:****@host:6380"},
		{"redis-sentinel://:pa55@h1:26379,h2:26379?master=m", "redis-sentinel://:****@h1:26379,h2:26379?master=m"},
		{"redis://user@host", "redis://user@host"},
		{"redis://:p%zz@host", "****"}, // does not parse: masked whole
		{"", ""},
	} {
		if got := URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
