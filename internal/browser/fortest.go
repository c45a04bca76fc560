package browser

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ForTest starts a browser for a test and closes it when the test ends, saving a screenshot to
// the temporary directory (and logging its name) if the test failed. Without Chromium, or
// in -short mode, the test is skipped; when $TEST_BROWSER_REQUIRED or $TEST_REDIS_REQUIRED is
// set (CI) a missing Chromium fails it instead.
func ForTest(t testing.TB) *Browser {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chromium := Find()
	if chromium == "" {
		if os.Getenv("TEST_BROWSER_REQUIRED") != "" || os.Getenv("TEST_REDIS_REQUIRED") != "" {
			t.Fatal("browser: chromium is not installed (apt-get install -y chromium)")
		}
		t.Skip("browser: chromium is not installed (apt-get install -y chromium): skipping")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := Start(ctx, chromium)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	t.Cleanup(func() { // runs before Close: what the page showed when the test failed
		if !t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if png, err := b.Screenshot(ctx); err == nil {
			name := filepath.Join(os.TempDir(), "browser-"+strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())+".png")
			if os.WriteFile(name, png, 0o644) == nil {
				t.Logf("browser: the page at the failure: %s", name)
			}
		}
	})
	return b
}
