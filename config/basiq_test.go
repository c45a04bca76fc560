package config

import (
	"strings"
	"testing"
)

func TestLoadBasiqAPI(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want BasiqAPI
		errs []string // every problem named, in one error
	}{
		{"defaults", map[string]string{"BASIQ_API_KEY": "key-1"}, BasiqAPI{APIKey: "key-1", APIVersion: "3.0", BaseURL: "https://au-api.basiq.io"}, nil},
		{"set", map[string]string{"BASIQ_API_KEY": "key-1", "BASIQ_API_VERSION": "3.0", "BASIQ_BASE_URL": "http://127.0.0.1:8090"},
			BasiqAPI{APIKey: "key-1", APIVersion: "3.0", BaseURL: "http://127.0.0.1:8090"}, nil},
		{"all bad", map[string]string{"BASIQ_API_VERSION": "4.0", "BASIQ_BASE_URL": "au-api.basiq.io"}, BasiqAPI{},
			[]string{"BASIQ_API_KEY: required", `BASIQ_API_VERSION: must be one of 1.0, 2.0, 2.1, 3.0, got "4.0"`,
				`BASIQ_BASE_URL: must be an absolute http(s) URL, got "au-api.basiq.io"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := LoadBasiqAPI(func(k string) string { return tt.env[k] })
			if len(tt.errs) == 0 {
				if err != nil || *b != tt.want {
					t.Errorf("got %+v, %v; want %+v", b, err, tt.want)
				}
				return
			}
			for _, want := range tt.errs {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v lacks %q", err, want)
				}
			}
		})
	}
}

func TestBasiqAPI_String(t *testing.T) {
	b := BasiqAPI{APIKey: "secret-api-key", APIVersion: "2.0", BaseURL: "https://au-api.basiq.io"}
	if s := b.String(); strings.Contains(s, "secret-api-key") || !strings.Contains(s, "BASIQ_BASE_URL=https://au-api.basiq.io") {
		t.Errorf("String() = %q; want the base URL and no key", s)
	}
}
