package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	bad := errors.New("WORKER_QUEUES: at least one queue required")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", errors.New("redis: connection refused"), 1},
		{"usage", Usage(bad), 2},
		{"wrapped usage", fmt.Errorf("config: %w", Usage(bad)), 2},
		{"usage of nil", Usage(nil), 0},
	}
	for _, tt := range tests {
		if got := Of(tt.err); got != tt.want {
			t.Errorf("Of(%s) = %d, want %d", tt.name, got, tt.want)
		}
	}
	if err := Usage(bad); !errors.Is(err, bad) || err.Error() != bad.Error() {
		t.Errorf("Usage(err) = %v: want the same text, wrapping err", err)
	}
}
