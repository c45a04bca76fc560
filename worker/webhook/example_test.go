package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	appwebhook "github.com/basiq-worker/basiq-worker/tasks/webhook"
)

// An application verifies each webhook before trusting it: the secret is
// WEBHOOK_SECRET of the worker, the body is a tasks.Event.
func Example_verify() {
	secret, err := appwebhook.ParseSecret("whsec_MDEyMzQ1Njc4OWFiY2RlZg==")
	if err != nil {
		panic(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := appwebhook.Verify(secret, r.Header, body, time.Now(), 0); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized) // 4xx: the worker stops retrying
			return
		}
		fmt.Println("verified", r.Header.Get(wire.HeaderWebhookID))
		w.WriteHeader(http.StatusNoContent)
	})

	// What the worker sends:
	body := []byte(`{"type":"result","id":"result:job-1","result":{"outcome":"completed"}}`)
	req := httptest.NewRequest(http.MethodPost, "/basiq/webhook", strings.NewReader(string(body)))
	wire.SetWebhookHeaders(req.Header, secret, "result:job-1", time.Now(), body)
	app.ServeHTTP(httptest.NewRecorder(), req)
	// Output: verified result:job-1
}
