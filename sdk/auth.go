package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ErrNoToken is returned by TokenStore.Load when the store holds no token.
var ErrNoToken = errors.New("sdk: no token stored")

// Token is a Basiq access token. ExpiresAt is when the client stops using
// it: a safety margin (a tenth of its lifetime, at most a minute) before
// Basiq's expires_in runs out.
type Token struct {
	AccessToken string
	ExpiresAt   time.Time
}

// String redacts the access token.
func (t Token) String() string {
	return fmt.Sprintf("sdk.Token{AccessToken: %s, ExpiresAt: %s}", redact(t.AccessToken), t.ExpiresAt.Format(time.RFC3339))
}

// GoString redacts the access token.
func (t Token) GoString() string { return t.String() }

// Valid reports whether the token is set and not yet at ExpiresAt.
func (t Token) Valid() bool {
	return t.AccessToken != "" && time.Now().Before(t.ExpiresAt)
}

// redact masks a secret as the rest of basiq-worker does (internal/redact,
// which the SDK does not import): "****", or `""` when unset.
func redact(s string) string {
	if s == "" {
		return `""`
	}
	return "****"
}

// TokenStore keeps the access token, for example in Redis so that the
// processes of one API key share it.
type TokenStore interface {
	// Load returns the stored token, or ErrNoToken when there is none.
	Load(ctx context.Context) (Token, error)
	// Save stores a freshly issued token.
	Save(ctx context.Context, t Token) error
}

// TokenLocker is a TokenStore that can serialise refreshes across
// processes. The client takes the lock before requesting a token and
// re-loads the store under it, in case another process refreshed.
type TokenLocker interface {
	TokenStore
	// Lock blocks until the refresh lock is held or ctx ends.
	Lock(ctx context.Context) (unlock func(), err error)
}

// tokenResponse is the answer of POST /token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// Token scopes of POST /token.
const (
	scopeServer = "SERVER_ACCESS"
	scopeClient = "CLIENT_ACCESS"
)

// tokenForm is the form body of POST /token, sent on every version (3.0
// reads it; earlier versions ignore it): scope=SERVER_ACCESS, or
// scope=CLIENT_ACCESS&userId=U for a token bound to user U.
func tokenForm(userID string) url.Values {
	if userID == "" {
		return url.Values{"scope": {scopeServer}}
	}
	return url.Values{"scope": {scopeClient}, "userId": {userID}}
}

// fetchToken requests a token with the API key: SERVER_ACCESS, or
// CLIENT_ACCESS bound to userID when userID is set.
func (c *Client) fetchToken(ctx context.Context, apiKey, userID string) (Token, error) {
	u, err := c.resolve("/token")
	if err != nil {
		return Token{}, err
	}
	form := tokenForm(userID).Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form))
	if err != nil {
		return Token{}, fmt.Errorf("sdk: token: %w", err)
	}
	req.Header.Set("Authorization", "Basic "+apiKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c.setCommonHeaders(req)
	start := time.Now()
	resp, err := c.cfg.hc.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("sdk: token: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return Token{}, newError(resp, data)
	}
	var tr tokenResponse
	if err := json.Unmarshal(data, &tr); err != nil || tr.AccessToken == "" {
		return Token{}, fmt.Errorf("sdk: token: undecodable answer (status %d)", resp.StatusCode)
	}
	return Token{AccessToken: tr.AccessToken, ExpiresAt: start.Add(lifetime(tr.ExpiresIn))}, nil
}

// lifetime is expires_in less the safety margin. Basiq's tokens last an
// hour; the Node SDK assumes so when expires_in is absent, and so do we.
func lifetime(expiresIn int64) time.Duration {
	d := time.Duration(expiresIn) * time.Second
	if d <= 0 {
		d = time.Hour
	}
	return d - min(d/10, time.Minute)
}

func (c *Client) setCommonHeaders(req *http.Request) {
	req.Header.Set("basiq-version", c.cfg.version)
	req.Header.Set("Accept", "application/json")
	if c.cfg.userAgent != "" {
		req.Header.Set("User-Agent", c.cfg.userAgent)
	}
}

// tokenSource caches the token and refreshes it one caller at a time.
type tokenSource struct {
	fetch func(context.Context) (Token, error)
	store TokenStore // may be nil
	sem   chan struct{}

	mu  sync.Mutex
	cur Token
}

func newTokenSource(store TokenStore, fetch func(context.Context) (Token, error)) *tokenSource {
	return &tokenSource{fetch: fetch, store: store, sem: make(chan struct{}, 1)}
}

func (s *tokenSource) cached() Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

func (s *tokenSource) set(t Token) {
	s.mu.Lock()
	s.cur = t
	s.mu.Unlock()
}

// token returns a valid token, refreshing when the cached one is stale.
func (s *tokenSource) token(ctx context.Context) (Token, error) {
	if t := s.cached(); t.Valid() {
		return t, nil
	}
	return s.refresh(ctx, "")
}

// refresh returns a valid token other than stale (a token the server
// refused). Concurrent callers wait for one refresh and share its token.
func (s *tokenSource) refresh(ctx context.Context, stale string) (Token, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return Token{}, fmt.Errorf("sdk: waiting for token refresh: %w", ctx.Err())
	}
	defer func() { <-s.sem }()
	usable := func(t Token) bool { return t.Valid() && t.AccessToken != stale }
	if t := s.cached(); usable(t) {
		return t, nil
	}
	if t, ok := s.load(ctx); ok && usable(t) {
		return t, nil
	}
	if l, ok := s.store.(TokenLocker); ok {
		unlock, err := l.Lock(ctx)
		if err != nil {
			return Token{}, fmt.Errorf("sdk: token lock: %w", err)
		}
		defer unlock()
		if t, ok := s.load(ctx); ok && usable(t) {
			return t, nil
		}
	}
	return s.fetchAndSave(ctx)
}

// load reads the store into the cache. A failing store is not fatal: the
// client then fetches a token itself.
func (s *tokenSource) load(ctx context.Context) (Token, bool) {
	if s.store == nil {
		return Token{}, false
	}
	t, err := s.store.Load(ctx)
	if err != nil || !t.Valid() {
		return Token{}, false
	}
	s.set(t)
	return t, true
}

// fetchAndSave requests a token and shares it through the store. A token
// the store failed to save is still used by this client.
func (s *tokenSource) fetchAndSave(ctx context.Context) (Token, error) {
	t, err := s.fetch(ctx)
	if err != nil {
		return Token{}, err
	}
	s.set(t)
	if s.store != nil {
		_ = s.store.Save(ctx, t) // best effort: this process keeps its token
	}
	return t, nil
}
