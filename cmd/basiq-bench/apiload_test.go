package main

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{{"1000/s", 1000, true}, {"250", 250, true}, {"0/s", 0, false}, {"fast", 0, false}, {"-5/s", 0, false}} {
		got, err := parseRate(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseRate(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestRun_apiLoad runs a short load through the real API on real Redis:
// every request accepted, none lost, the percentiles printed.
func TestRun_apiLoad(t *testing.T) {
	testredis.Client(t)
	var out syncbuf.Buffer
	args := []string{"basiq-bench", "-api-load", "100/s", "-api-duration", "1s", "-redis-url", "redis://" + testredis.Addr()}
	if err := run(context.Background(), args, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "sent 100, accepted 100, failed 0, lost 0") ||
		!regexp.MustCompile(`p99 [0-9.]+(µs|ms|s)`).MatchString(out.String()) {
		t.Errorf("report:\n%s", out.String())
	}
}
