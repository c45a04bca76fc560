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
