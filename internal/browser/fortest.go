package browser

import (
	"context"
	"os"
	"testing"
	"time"
)

// ForTest starts a browser for a test and closes it when the test ends. Without Chromium, or
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
	return b
}
