package redislog

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

type line struct {
	Level      string `json:"level"`
	Component  string `json:"component"`
	Message    string `json:"message"`
	Suppressed int    `json:"suppressed"`
}

func lines(t *testing.T, b *bytes.Buffer) []line {
	t.Helper()
	var out []line
	for _, s := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if s == "" {
			continue
		}
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("not a JSON line: %q", s)
		}
		out = append(out, l)
	}
	return out
}

func TestLogger_rateLimited(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(1000, 0)
	rl := newLogger(zerolog.New(&buf), 5*time.Second, func() time.Time { return now })
	const dial = "redis: connection pool: failed to dial after %d attempts: %v"
	ctx := context.Background()
	for i := 0; i < 50; i++ { // 50 lines in 3 s, as a worker writes in an outage
		rl.Printf(ctx, dial, 5, "connection refused")
		rl.Printf(ctx, "sentinel: GetMasterAddrByName name=%q failed: %s", "m", "refused")
		now = now.Add(60 * time.Millisecond)
	}
	got := lines(t, &buf)
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2 (one per kind): %+v", len(got), got)
	}
	want := line{Level: "warn", Component: "redis", Message: "redis: connection pool: failed to dial after 5 attempts: connection refused"}
	if got[0] != want {
		t.Errorf("line = %+v, want %+v", got[0], want)
	}
	buf.Reset()
	now = now.Add(5 * time.Second)
	rl.Printf(ctx, dial, 5, "connection refused")
	if got := lines(t, &buf); len(got) != 1 || got[0].Suppressed != 49 {
		t.Errorf("after the interval: %+v, want one line with suppressed=49", got)
	}
}

func TestLogger_boundsLine(t *testing.T) {
	var buf bytes.Buffer
	New(zerolog.New(&buf), time.Second).Printf(context.Background(), "reply %s", strings.Repeat("x", 1<<20))
	if buf.Len() > 2<<10 {
		t.Errorf("line of %d bytes, want at most 2 KiB", buf.Len())
	}
}
