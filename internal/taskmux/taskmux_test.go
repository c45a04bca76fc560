package taskmux

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
)

func TestExact(t *testing.T) {
	var served, rejected []string
	mux := asynq.NewServeMux()
	mux.HandleFunc("a:b", func(_ context.Context, t *asynq.Task) error { served = append(served, t.Type()); return nil })
	mux.Use(Exact(func(_ context.Context, t *asynq.Task, _ error) { rejected = append(rejected, t.Type()) }, "a:b"))
	for _, tc := range []struct {
		typ     string
		refused bool
	}{
		{"a:b", false},
		{"a:b-v2", true}, // a prefix match for asynq's ServeMux
		{"c", true},
		{strings.Repeat("x", 1<<16), true},
	} {
		err := mux.ProcessTask(context.Background(), asynq.NewTask(tc.typ, nil))
		if !tc.refused {
			if err != nil {
				t.Errorf("%.20s: err = %v, want nil", tc.typ, err)
			}
			continue
		}
		if !errors.Is(err, asynq.ErrHandlerNotFound) || !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("%.20s: err = %.200v, want ErrHandlerNotFound and SkipRetry", tc.typ, err)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("%.20s: error of %d bytes, want at most 200", tc.typ, len(err.Error()))
		}
	}
	if len(served) != 1 || len(rejected) != 3 {
		t.Errorf("served %d, rejected %d; want 1, 3", len(served), len(rejected))
	}
}
