package cmdline

import (
	"bytes"
	"io"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/exitcode"
)

func TestParse(t *testing.T) {
	tests := []struct {
		args     []string
		help     bool
		exit     int
		usageOut bool
	}{
		{[]string{"prog"}, false, 0, false},
		{[]string{"prog", "-h"}, true, 0, true},
		{[]string{"prog", "-nope"}, false, 2, true}, // flag prints the usage on a bad flag, as before
		{[]string{"prog", "extra"}, false, 2, false},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		help, err := Parse(tt.args, &out, io.Discard, func(w io.Writer) { io.WriteString(w, "USAGE") })
		if help != tt.help || exitcode.Of(err) != tt.exit || (out.String() == "USAGE") != tt.usageOut {
			t.Errorf("Parse(%q) = %v, %v (exit %d), usage %q; want help %v, exit %d", tt.args, help, err, exitcode.Of(err), out.String(), tt.help, tt.exit)
		}
	}
}
