package basiqtest

import (
	"net/http"
	"testing"
)

func TestRoutes_unmatched(t *testing.T) {
	srv, c, _ := setup(t)
	tests := []struct {
		method, path string
		wantStatus   int
		wantCode     string
	}{
		{"GET", "/nope", 404, "resource-not-found"},
		{"GET", "/users/u/nope/deeper", 404, "resource-not-found"},
		{"DELETE", "/jobs/j1", 405, "method-not-allowed"},
		{"PUT", "/users", 405, "method-not-allowed"},
		{"GET", "/token", 405, "method-not-allowed"},
	}
	for _, tt := range tests {
		r := c.do(tt.method, tt.path, "")
		if r.status != tt.wantStatus || r.errCode(t) != tt.wantCode {
			t.Errorf("%s %s: got %d %s, want %d %s", tt.method, tt.path, r.status, r.body, tt.wantStatus, tt.wantCode)
		}
	}
	if got := srv.Stats().Requests["/"][404]; got != 2 {
		t.Errorf("stats of unmatched 404: got %d, want 2", got)
	}
}

func TestRoutes_panicRecovered(t *testing.T) {
	srv, c, _ := setup(t)
	srv.handle("GET /_panic", public, func(http.ResponseWriter, *http.Request) *apiError { panic("boom") })
	r := c.do("GET", "/_panic", "")
	if r.status != 500 || r.errCode(t) != "internal-server-error" {
		t.Errorf("got %d %s, want 500 internal-server-error", r.status, r.body)
	}
}
