package asynqlog

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	l := New(zerolog.New(&buf))
	l.Info("processing ", 3, " tasks")
	l.Warn("Retry exhausted for task id=t-1")
	got := buf.String()
	for _, want := range []string{
		`{"level":"info","component":"asynq","message":"processing 3 tasks"}`,
		`{"level":"warn","component":"asynq","message":"Retry exhausted for task id=t-1"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log = %s, want a line %s", got, want)
		}
	}
}

func TestLogger_WithoutRetryExhausted(t *testing.T) {
	var buf bytes.Buffer
	l := New(zerolog.New(&buf).Level(zerolog.InfoLevel)).WithoutRetryExhausted()
	l.Warn("Retry exhausted for task id=t-1")
	l.Warn("Could not remove task id=t-2; Will retry syncing")
	l.Error("Failed to write to redis")
	got := buf.String()
	if strings.Contains(got, "Retry exhausted") {
		t.Errorf("log = %s, want no Retry exhausted line above debug", got)
	}
	for _, want := range []string{
		`{"level":"warn","component":"asynq","message":"Could not remove task id=t-2; Will retry syncing"}`,
		`{"level":"error","component":"asynq","message":"Failed to write to redis"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log = %s, want a line %s", got, want)
		}
	}
	buf.Reset()
	New(zerolog.New(&buf)).WithoutRetryExhausted().Warn("Retry exhausted for task id=t-3")
	if want := `{"level":"debug","component":"asynq","message":"Retry exhausted for task id=t-3"}`; !strings.Contains(buf.String(), want) {
		t.Errorf("log = %s, want %s", buf.String(), want)
	}
}

func TestLogger_repeatsLimited(t *testing.T) {
	var buf bytes.Buffer
	l := New(zerolog.New(&buf))
	for i := 0; i < 15; i++ { // 3 s of a Redis outage at a 200ms DelayedTaskCheckInterval
		l.Error("Failed to forward scheduled tasks: INTERNAL_ERROR: redis eval error: dial tcp 127.0.0.1:6379: connect: connection refused")
		l.Warn("Failed to write server state data: UNKNOWN: dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	l.Info("Starting processing")
	l.Info("Starting processing")
	got := buf.String()
	for kind, want := range map[string]int{"Failed to forward": 1, "Failed to write server state": 1, "Starting processing": 2} {
		if n := strings.Count(got, kind); n != want {
			t.Errorf("%q lines = %d, want %d; log:\n%s", kind, n, want, got)
		}
	}
}
