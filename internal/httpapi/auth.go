package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// TokenHash is the SHA-256 hash of a bearer API token.
type TokenHash [sha256.Size]byte

// HashToken returns the hash of token, as kept by the server.
func HashToken(token string) TokenHash { return sha256.Sum256([]byte(token)) }

// ParseTokenHashes reads a comma-separated list of API tokens, each either
// "sha256:" and 64 hex digits (the hash of a token) or a token of at least
// 16 characters, which is hashed at once. Several tokens allow rotation.
// Errors name the entry by position, never its value.
func ParseTokenHashes(spec string) ([]TokenHash, error) {
	var out []TokenHash
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
			return nil, fmt.Errorf("token %d: empty", i+1)
		case strings.HasPrefix(part, "sha256:"):
			b, err := hex.DecodeString(strings.TrimPrefix(part, "sha256:"))
			if err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("token %d: want sha256: and 64 hex digits", i+1)
			}
			out = append(out, TokenHash(b))
		case len(part) < 16:
			return nil, fmt.Errorf("token %d: shorter than 16 characters", i+1)
		default:
			out = append(out, HashToken(part))
		}
	}
	return out, nil
}

// authorized reports whether r carries a bearer token whose hash is one of
// hashes. Every hash is compared, in constant time.
func authorized(r *http.Request, hashes []TokenHash) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return false
	}
	h := HashToken(strings.TrimSpace(tok))
	match := 0
	for _, want := range hashes {
		match |= subtle.ConstantTimeCompare(h[:], want[:])
	}
	return match == 1
}

// requireToken answers 401 to every request without a valid bearer token.
func requireToken(hashes []TokenHash, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r, hashes) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="basiq-api"`)
			writeProblem(w, r, problem(http.StatusUnauthorized, "unauthorized", "Unauthorized",
				"a valid bearer API token is required (Authorization: Bearer <token>)"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
