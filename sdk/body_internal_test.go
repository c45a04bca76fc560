package sdk

import "testing"

func TestRoute(t *testing.T) {
	tests := []struct{ base, path, want string }{
		{"https://au-api.basiq.io", "/users", "/users"},
		{"https://au-api.basiq.io", "/users/u-1", "/users/{id}"},
		{"https://au-api.basiq.io", "/users/u-1/connections/refresh", "/users/{id}/connections/refresh"},
		{"https://au-api.basiq.io", "/users/u-1/connections/c-1/refresh", "/users/{id}/connections/{id}/refresh"},
		{"https://au-api.basiq.io", "/jobs/j-1/mfa", "/jobs/{id}/mfa"},
		{"https://au-api.basiq.io", "/users/u 1/transactions/t-1", "/users/{id}/transactions/{id}"},
		{"http://127.0.0.1:1/basiq", "/basiq/users/u-1/jobs", "/users/{id}/jobs"},
	}
	for _, tt := range tests {
		c, err := New("key", WithBaseURL(tt.base))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.route(tt.path); got != tt.want {
			t.Errorf("route(%q) on %s: got %q, want %q", tt.path, tt.base, got, tt.want)
		}
	}
}
