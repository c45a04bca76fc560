package admin

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

// TestUI_browser opens the UI in a real browser (headless Chromium) and checks that the
// rendered pages show the test's queue and the types of its tasks. asynqmon is a React app,
// so this is the only test that sees what an operator sees.
func TestUI_browser(t *testing.T) {
	chromium := needChromium(t)
	q := testredis.Queue(t, "admin-test")
	enqueue(t, q, "connection:create", "job:poll")
	h := newHandler(t, Options{UIEnabled: true, Username: "op", Password: "s3cret"})
	srv := httptest.NewServer(h)
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	base.User = url.UserPassword("op", "s3cret")

	dash := renderedText(t, chromium, base.String()+"/ui/")
	if !strings.Contains(dash, q) {
		t.Errorf("dashboard: queue %s not shown; page text: %.1500s", q, dash)
	}
	page := base.String() + "/ui/queues/" + q + "?status=pending"
	tasks := renderedText(t, chromium, page)
	for _, want := range []string{q, "connection:create", "job:poll"} {
		if !strings.Contains(tasks, want) {
			t.Errorf("pending tasks page: %q not shown; page text: %.1500s", want, tasks)
		}
	}
	if dir := os.Getenv("UI_CHECK_SCREENSHOT_DIR"); dir != "" {
		runChromium(t, chromium, page, "--window-size=1280,900", "--screenshot="+dir+"/ui-queue-tasks.png")
		t.Logf("screenshot: %s/ui-queue-tasks.png", dir)
	}
}

// needChromium returns the path of a headless Chromium, skipping the test
// when none is installed or in -short mode. Under $TEST_BROWSER_REQUIRED or
// $TEST_REDIS_REQUIRED (CI) a missing Chromium fails the test, as
// internal/browser.ForTest does.
func needChromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser check skipped in -short mode")
	}
	chromium := findChromium()
	if chromium == "" && (os.Getenv("TEST_BROWSER_REQUIRED") != "" || testredis.Required()) {
		t.Fatal("chromium is not installed (apt-get install -y chromium), and the browser check is required")
	}
	if chromium == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium): skipping the browser check of the UI")
	}
	return chromium
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runChromium loads page in headless Chromium, lets its scripts run for up to ten seconds
// of virtual time, and returns what Chromium printed on stdout.
func runChromium(t *testing.T, chromium, page string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=10000"}, extra...)
	out, err := exec.CommandContext(ctx, chromium, append(args, page)...).Output()
	if err != nil {
		t.Fatalf("chromium %s: %v", page, err)
	}
	return string(out)
}

var (
	codeOrStyle = regexp.MustCompile(`(?s)<(script|style|svg)\b.*?</(script|style|svg)>`)
	tag         = regexp.MustCompile(`<[^>]*>`)
	spaces      = regexp.MustCompile(`\s+`)
)

// renderedText returns the visible text of page after its scripts ran.
func renderedText(t *testing.T, chromium, page string) string {
	t.Helper()
	dom := runChromium(t, chromium, page, "--dump-dom")
	text := tag.ReplaceAllString(codeOrStyle.ReplaceAllString(dom, " "), " ")
	return spaces.ReplaceAllString(text, " ")
}
