package config

import (
	"errors"
	"strings"
	"testing"
)

func TestLoadAPI(t *testing.T) {
	const key = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string // variables named in the error
	}{
		{"minimal", map[string]string{"API_TOKENS": "a-token-of-16-chars", "BASIQ_SECRET_KEY": key}, nil},
		{"nothing", map[string]string{}, []string{"API_TOKENS", "BASIQ_SECRET_KEY"}},
		{"short token", map[string]string{"API_TOKENS": "tiny1", "BASIQ_SECRET_KEY": key}, []string{"API_TOKENS"}},
		{"bad hash", map[string]string{"API_TOKENS": "sha256:zz", "BASIQ_SECRET_KEY": key}, []string{"API_TOKENS"}},
		{"every bad variable", map[string]string{"API_TOKENS": "a-token-of-16-chars", "BASIQ_SECRET_KEY": "nope",
			"API_ADDR": "nope", "API_MAX_WAIT": "-1s", "API_MAX_BODY": "x", "LOG_FORMAT": "xml", "BASIQ_CONSENT_URL": "ftp://x"},
			[]string{"BASIQ_SECRET_KEY", "API_ADDR", "API_MAX_WAIT", "API_MAX_BODY", "LOG_FORMAT", "BASIQ_CONSENT_URL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := LoadAPI(env(tc.env))
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if len(a.TokenHashes()) != 1 || strings.Contains(a.String(), "a-token-of-16-chars") {
					t.Errorf("tokens %d, config %s: want one hash and no token shown", len(a.TokenHashes()), a)
				}
				return
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error %v, want *Error", err)
			}
			for _, name := range tc.wantErr {
				if !strings.Contains(err.Error(), name+":") {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
			if strings.Contains(err.Error(), "tiny1") || strings.Contains(err.Error(), "sha256:zz") {
				t.Errorf("error shows a secret: %v", err)
			}
		})
	}
}
