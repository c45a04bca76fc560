package worker

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

func TestSilent(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    zerolog.Logger
		want bool
	}{
		{"zero", zerolog.Logger{}, true},
		{"nop", zerolog.Nop(), true},
		{"disabled", zerolog.New(io.Discard).Level(zerolog.Disabled), true},
		{"error", zerolog.New(io.Discard).Level(zerolog.ErrorLevel), false},
		{"debug", zerolog.New(io.Discard), false},
	} {
		if got := silent(tc.l); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestLogMiddleware(t *testing.T) {
	var buf bytes.Buffer
	h := asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		zerolog.Ctx(ctx).Info().Msg("hello")
		return nil
	})
	task := asynq.NewTask("job:poll", []byte(`{"userId":"u1","jobId":"j1"}`))
	if err := logMiddleware(zerolog.New(&buf))(h).ProcessTask(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.Contains(got, `"task_type":"job:poll"`) || !strings.Contains(got, `"job_id":"j1"`) {
		t.Errorf("got %q, want task_type and job_id", got)
	}
	buf.Reset()
	if err := logMiddleware(zerolog.New(&buf).Level(zerolog.Disabled))(h).ProcessTask(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "" {
		t.Errorf("disabled logger: got %q, want nothing", got)
	}
}

func TestLogMiddleware_boundsFields(t *testing.T) {
	var buf bytes.Buffer
	h := asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		zerolog.Ctx(ctx).Info().Msg("one")
		zerolog.Ctx(ctx).Info().Msg("two")
		return nil
	})
	huge := strings.Repeat("u", 5<<20)
	task := asynq.NewTask("job:poll"+huge, []byte(`{"userId":"`+huge+`","jobId":"`+huge+`"}`))
	if err := logMiddleware(zerolog.New(&buf))(h).ProcessTask(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2", len(lines))
	}
	for _, l := range lines {
		if len(l) > 600 || !strings.Contains(l, `"user_id":"uuuu`) || !strings.Contains(l, "(5242880 bytes)") {
			t.Errorf("line of %d bytes: %.300s; want at most 600 bytes with a bounded user_id that gives its size", len(l), l)
		}
	}
}
