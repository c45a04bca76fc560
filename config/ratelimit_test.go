package config

import (
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
)

// The shared rate limiter's variables: parsed onto the limits, checked, and
// by default no API limit and Basiq's token limit with room to spare.
func TestLoadWorker_rateLimits(t *testing.T) {
	tests := []struct {
		name      string
		vars      map[string]string
		api, tok  ratelimit.Limit
		wantError string
	}{
		{"defaults", nil, ratelimit.Limit{Rate: 0, Burst: 5}, ratelimit.DefaultTokenLimit, ""},
		{"set", map[string]string{"BASIQ_RATE_LIMIT": "19.5", "BASIQ_RATE_BURST": "3", "BASIQ_TOKEN_RATE_LIMIT": "2"},
			ratelimit.Limit{Rate: 19.5, Burst: 3}, ratelimit.Limit{Rate: 2, Burst: 10}, ""},
		{"negative rate", map[string]string{"BASIQ_RATE_LIMIT": "-1"}, ratelimit.Limit{}, ratelimit.Limit{}, `BASIQ_RATE_LIMIT: must be >= 0`},
		{"no burst", map[string]string{"BASIQ_RATE_BURST": "0"}, ratelimit.Limit{}, ratelimit.Limit{}, `BASIQ_RATE_BURST: must be >= 1, got "0"`},
		{"no token rate", map[string]string{"BASIQ_TOKEN_RATE_LIMIT": "0"}, ratelimit.Limit{}, ratelimit.Limit{}, `BASIQ_TOKEN_RATE_LIMIT: must be > 0`},
		{"not a number", map[string]string{"BASIQ_RATE_LIMIT": "fast"}, ratelimit.Limit{}, ratelimit.Limit{}, `BASIQ_RATE_LIMIT: not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := LoadWorker(env(tt.vars))
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if api, tok := w.RateLimits(); api != tt.api || tok != tt.tok {
				t.Errorf("RateLimits: got %+v, %+v; want %+v, %+v", api, tok, tt.api, tt.tok)
			}
		})
	}
}
