package basiqtest

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// tokens holds the access tokens issued by POST /token.
type tokens struct {
	mu     sync.RWMutex
	byTok  map[string]tokenInfo
	issued int
}

type tokenInfo struct {
	apiKey  string // the key the token was issued for, which its requests' rate limit spends
	expires time.Time
	scope   string
	userID  string
	version string // the basiq-version of the token request
}

func newTokens() *tokens { return &tokens{byTok: make(map[string]tokenInfo)} }

var apiVersions = map[string]bool{"1.0": true, "2.0": true, "2.1": true, "3.0": true}

// checkVersion validates the basiq-version header: required on /token, optional elsewhere.
func checkVersion(r *http.Request, required bool) *apiError {
	v, ok := r.Header["Basiq-Version"]
	if !ok || len(v) == 0 {
		if required {
			return errNotValid(param("basiq-version"), "basiq-version header is required; use 1.0, 2.0, 2.1 or 3.0.")
		}
		return nil
	}
	if !apiVersions[strings.TrimSpace(v[0])] {
		return errNotValid(param("basiq-version"), "basiq-version '"+v[0]+"' is not supported; use 1.0, 2.0, 2.1 or 3.0.")
	}
	return nil
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

func (s *Server) postToken(w http.ResponseWriter, r *http.Request) *apiError {
	if err := s.checkAPIKey(r.Header.Get("Authorization")); err != nil {
		return err
	}
	version := strings.TrimSpace(r.Header.Get("basiq-version"))
	scope, userID, err := tokenScope(r, version == "3.0")
	if err != nil {
		return err
	}
	if err := s.checkTokenUser(scope, userID, version == "3.0"); err != nil {
		return err
	}
	key := basicKey(r.Header.Get("Authorization"))
	if err := s.takeToken(key); err != nil {
		return err
	}
	tok := randomToken()
	s.auth.mu.Lock()
	s.auth.byTok[tok] = tokenInfo{apiKey: key, expires: s.now().Add(s.cfg.tokenTTL),
		scope: scope, userID: userID, version: version}
	s.auth.issued++
	s.auth.mu.Unlock()
	writeJSON(w, 200, tokenAnswer{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(s.cfg.tokenTTL / time.Second)})
	return nil
}

func (s *Server) checkAPIKey(h string) *apiError {
	if h == "" {
		return newError(400, "parameter-not-supplied", "Authorization header is required.", param("Authorization"))
	}
	scheme, key, ok := strings.Cut(h, " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Basic") || key == "" || strings.ContainsAny(key, " \t") {
		return errNotValid(param("Authorization"), "Authorization header must be 'Basic <API key>'.")
	}
	if s.cfg.apiKey != "" && key != s.cfg.apiKey {
		return newError(404, "parameter-not-valid", "Unable to authenticate. Please, check your API key", param("Authorization"))
	}
	return nil
}

// tokenScope reads the form body: scope SERVER_ACCESS or CLIENT_ACCESS with userId. Under 1.0-2.x
// the body is optional (SERVER_ACCESS by default); under 3.0 (strict) the scope is required.
func tokenScope(r *http.Request, strict bool) (scope, userID string, err *apiError) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		if strict {
			return "", "", newError(400, "parameter-not-supplied", "A form body with scope (SERVER_ACCESS or CLIENT_ACCESS) is required in API 3.0.", param("scope"))
		}
		return "SERVER_ACCESS", "", nil
	}
	if perr := r.ParseForm(); perr != nil {
		return "", "", errInvalidContent("Body is not valid form data.")
	}
	scope = r.PostForm.Get("scope")
	switch scope {
	case "":
		if strict {
			return "", "", newError(400, "parameter-not-supplied", "scope is required in API 3.0: SERVER_ACCESS or CLIENT_ACCESS.", param("scope"))
		}
		scope = "SERVER_ACCESS"
	case "SERVER_ACCESS", "CLIENT_ACCESS":
	default:
		return "", "", errNotValid(param("scope"), "scope must be SERVER_ACCESS or CLIENT_ACCESS.")
	}
	return scope, r.PostForm.Get("userId"), nil
}

// basicKey is the API key of a "Basic <key>" header, or "".
func basicKey(h string) string {
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return ""
	}
	return strings.TrimSpace(key)
}

// credential names whose rate limit a request spends: its API key, whether it calls POST /token
// with it or sends a bearer token issued for it (so that many tokens of one key share one
// budget, as with Basiq); an unknown bearer spends its own.
func (s *Server) credential(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		s.auth.mu.RLock()
		info, found := s.auth.byTok[strings.TrimSpace(tok)]
		s.auth.mu.RUnlock()
		if found {
			return "key " + info.apiKey
		}
		return h
	}
	if key := basicKey(h); key != "" {
		return "key " + key
	}
	return h
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// authorize checks the bearer token of a request.
func (s *Server) authorize(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return newError(401, "invalid-authorization-token", "Authorization header must carry a valid Bearer token.", param("Authorization"))
	}
	s.auth.mu.RLock()
	info, found := s.auth.byTok[strings.TrimSpace(tok)]
	s.auth.mu.RUnlock()
	if !found {
		return newError(401, "invalid-authorization-token", "Invalid authorization token.", param("Authorization"))
	}
	if !s.now().Before(info.expires) {
		return newError(403, "access-denied", "Token has expired", param("Authorization"))
	}
	return s.allows(info, r)
}

// allows limits a CLIENT_ACCESS token to its own user's routes and jobs, the institutions and
// the connectors.
func (s *Server) allows(info tokenInfo, r *http.Request) *apiError {
	if info.scope != "CLIENT_ACCESS" {
		return nil
	}
	p := r.URL.Path
	if uid := r.PathValue("uid"); uid == info.userID && uid != "" ||
		r.Method == "GET" && (strings.HasPrefix(p, "/institutions") || strings.HasPrefix(p, "/connectors")) {
		return nil
	}
	if strings.HasPrefix(p, "/jobs/") {
		if j, ok := s.store.job(r.PathValue("id")); !ok || j.userID == info.userID {
			return nil // an unknown job is a 404, as for any token
		}
	}
	return newError(403, "forbidden-access", "A CLIENT_ACCESS token only reaches its own user.", param("Authorization"))
}
