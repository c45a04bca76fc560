package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

// TestRun_nodeLine runs the banner's node line (examples/node/connect.mjs
// with the machine's node) against basiq-dev: the Consent UI journey
// under the default API 3.0, the credentials create (--credentials)
// under -api-version 2.0; each ends with a completed result.
func TestRun_nodeLine(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("TEST_NODE_REQUIRED") != "" || testredis.Required() {
			t.Fatalf("node not found: %v", err)
		}
		t.Skip("node not found on PATH")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		args     []string
		wantFlag string // what the banner's node line ends with
		want     []string
	}{
		{"API 3.0 (default)", nil, "connect.mjs", []string{"flow: consent", "consent url: http://127.0.0.1:", "POST /_mock/consent (test-only)"}},
		{"API 2.0", []string{"-api-version", "2.0"}, "connect.mjs --credentials", []string{"flow: credentials"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var stdout, stderr syncbuf.Buffer
			errc := make(chan error, 1)
			args := append([]string{"basiq-dev", "-http", "127.0.0.1:0", "-api", "127.0.0.1:0", "-demo", "0",
				"-step-credentials", "200ms", "-step-accounts", "200ms", "-step-transactions", "200ms"}, c.args...)
			go func() { errc <- run(ctx, args, noenv, &stdout, &stderr) }()
			line := waitFor(t, &stdout, regexp.MustCompile(`(?m)^  node:\s+(.+)$`))
			env, argv := shellWords(t, line)
			if len(argv) < 2 || argv[0] != "node" || !strings.HasSuffix(strings.Join(argv, " "), c.wantFlag) {
				t.Fatalf("node line %q: want node examples/node/%s", line, c.wantFlag)
			}
			cmd := exec.CommandContext(ctx, node, argv[1:]...)
			cmd.Dir, cmd.Env = root, append(os.Environ(), append([]string{"CONNECT_FLOW=", "TIMEOUT_MS=40000"}, env...)...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			for _, w := range append(c.want, "result: completed ") {
				if !strings.Contains(string(out), w) {
					t.Errorf("node's output lacks %q:\n%s", w, out)
				}
			}
			cancel()
			if err := <-errc; err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
		})
	}
}

// shellWords splits a banner command line of plain words (no quotes):
// the leading NAME=value assignments, then the command and its arguments.
func shellWords(t *testing.T, line string) (env, argv []string) {
	t.Helper()
	assign := regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`)
	for _, w := range strings.Fields(line) {
		if strings.ContainsAny(w, `'"\$<>`) {
			t.Fatalf("node line %q: %q is not a plain word", line, w)
		}
		if len(argv) == 0 && assign.MatchString(w) {
			env = append(env, w)
		} else {
			argv = append(argv, w)
		}
	}
	return env, argv
}
