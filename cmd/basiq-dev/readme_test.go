package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// bannerLine is the quick start's first curl line: the values a person
// copies from basiq-dev's banner, which the test sets instead.
var bannerLine = regexp.MustCompile(`^API=\S+ TOKEN=\S+\s+FAKE=\S+\s+# from the banner$`)

// quickStartCurl returns the lines of the README quick start's sh block
// that calls the HTTP API, less its first (banner) line.
func quickStartCurl(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, qs, _ := strings.Cut(string(b), "\n## Quick start")
	qs, _, _ = strings.Cut(qs, "\n## ")
	for _, block := range strings.Split(qs, "```sh\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		lines := strings.Split(strings.TrimRight(block, "\n"), "\n")
		if !strings.Contains(block, "/v1/follows") {
			continue
		}
		if !bannerLine.MatchString(lines[0]) {
			t.Fatalf("the quick start's curl block starts with %q, want the banner's API=... TOKEN=... FAKE=... line", lines[0])
		}
		return lines[1:]
	}
	t.Fatal("README quick start: no sh block with curl lines of the HTTP API (POST /v1/follows)")
	return nil
}

// TestReadme_quickStart runs the README quick start's curl lines, as
// written, with bash and the machine's curl against basiq-dev (API 3.0,
// its default): a user made at the fake, a consent link, the fake's
// Consent UI, a follow of the job it hands back, and the long poll that
// prints the follow's result, completed.
func TestReadme_quickStart(t *testing.T) {
	lines := quickStartCurl(t)
	bash, err := exec.LookPath("bash")
	if err == nil {
		_, err = exec.LookPath("curl")
	}
	if err != nil {
		// CI (TEST_REDIS_REQUIRED=1, .ci/run installs curl) never skips it.
		if os.Getenv("TEST_REDIS_REQUIRED") != "" || os.Getenv("TEST_CURL_REQUIRED") != "" {
			t.Fatalf("bash or curl not found: %v", err)
		}
		t.Skipf("bash or curl not found: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"basiq-dev", "-http", "127.0.0.1:0", "-api", "127.0.0.1:0", "-demo", "0",
			"-step-credentials", "200ms", "-step-accounts", "200ms", "-step-transactions", "200ms"}, noenv, &stdout, &stderr)
	}()
	m := waitForAll(t, &stdout, regexp.MustCompile(`HTTP API:\s+(\S+)/v1/ \(Authorization: Bearer (\S+);`))
	fake := waitFor(t, &stdout, regexp.MustCompile(`fake Basiq: (\S+)`))
	script := "set -e -o pipefail\nAPI=" + m[1] + " TOKEN=" + m[2] + " FAKE=" + fake + "\n" + strings.Join(lines, "\n") + "\n"
	cmd := exec.CommandContext(ctx, bash, "-c", script)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("the quick start's lines: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	// The consent-url line prints the link; the last line is the long poll's result.
	if !strings.Contains(out.String(), `"url":"`) {
		t.Errorf("no consent link in the output:\n%s", out.String())
	}
	printed := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res tasks.Result
	if err := json.Unmarshal([]byte(printed[len(printed)-1]), &res); err != nil {
		t.Fatalf("the last line is not a result: %v\n%s", err, out.String())
	}
	if res.Outcome != tasks.OutcomeCompleted || res.TaskID != tasks.TaskID(tasks.TypeFollowJobs, "signup-42") || res.JobID == "" {
		t.Errorf("result %+v, want completed, task %s, with its job", res, tasks.TaskID(tasks.TypeFollowJobs, "signup-42"))
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
}
