package metrics

import (
	"strings"
	"testing"
)

func TestRoute(t *testing.T) {
	tests := []struct {
		method, path, want string
	}{
		{"POST", "/token", "POST /token"},
		{"GET", "/jobs/61723-abc", "GET /jobs/{id}"},
		{"GET", "/jobs/61723-abc/", "GET /jobs/{id}"},
		{"POST", "/jobs/61723/mfa", "POST /jobs/{id}/mfa"},
		{"POST", "/users", "POST /users"},
		{"GET", "/users/ea3a81/", "GET /users/{id}"},
		{"POST", "/users/ea3a81/connections", "POST /users/{id}/connections"},
		{"GET", "/users/ea3a81/connections/8fce3b", "GET /users/{id}/connections/{id}"},
		{"POST", "/users/ea3a81/connections/8fce3b/refresh", "POST /users/{id}/connections/{id}/refresh"},
		{"POST", "/users/ea3a81/connections/refresh", "POST /users/{id}/connections/refresh"},
		{"GET", "/users/9d4f1e2a-7b5c-4f1e-9a1b-3c2d1e0f9a8b/transactions", "GET /users/{id}/transactions"},
		{"GET", "/institutions/AU00000", "GET /institutions/{id}"},
		{"delete", "/users/u1", "DELETE /users/{id}"},
		{"BREW", "/users/u1", "OTHER /users/{id}"},
		// Unknown shapes collapse to "other".
		{"GET", "/", OtherRoute},
		{"GET", "", OtherRoute},
		{"GET", "/admin", OtherRoute},
		{"GET", "/users/u1/u2", OtherRoute},
		{"GET", "/token/abc", OtherRoute},
		{"GET", "/users/u1/connections/c1/refresh/x", OtherRoute},
		{"GET", "/users/a/accounts/b/transactions/c/jobs", OtherRoute},
		{"GET", "/users/has space", OtherRoute},
		{"GET", "/users/%2e%2e", OtherRoute},
		{"GET", "/users/a_b.c:d-E9", "GET /users/{id}"},
		{"GET", "/users/" + strings.Repeat("a", 128), "GET /users/{id}"},
		{"GET", "/users/" + strings.Repeat("a", 129), OtherRoute},
		{"GET", "/users/a+b", OtherRoute},
		{"GET", "/users/\u00e9", OtherRoute},
	}
	for _, tt := range tests {
		if got := Route(tt.method, tt.path); got != tt.want {
			t.Errorf("Route(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
