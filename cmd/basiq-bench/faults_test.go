package main

import (
	"io"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// TestFaults: -create-latency slows only the connection creates; the
// throttle flags make the other fault; none gives no fault.
func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []basiqtest.Fault
	}{
		{args: nil},
		{args: []string{"-create-latency", "200ms"}, want: []basiqtest.Fault{{Path: "POST /users/*/connections", Latency: 200 * time.Millisecond}}},
		{args: []string{"-error-rate", "0.1", "-create-latency", "1s"},
			want: []basiqtest.Fault{{ErrorRate: 0.1}, {Path: "POST /users/*/connections", Latency: time.Second}}},
	} {
		o, err := parseFlags(append([]string{"basiq-bench"}, tc.args...), func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		got := o.faults.faults()
		if len(got) != len(tc.want) {
			t.Fatalf("%v: faults %+v, want %+v", tc.args, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%v: fault %d = %+v, want %+v", tc.args, i, got[i], tc.want[i])
			}
		}
	}
}
