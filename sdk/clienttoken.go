package sdk

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// sweepAbove is how many users' client tokens the client keeps before it
// drops the expired ones on the next new user.
const sweepAbove = 1024

// clientTokens caches one CLIENT_ACCESS token per user. Each user has its
// own tokenSource, so a user's token is fetched once however many callers
// ask at the same time, while different users' fetches run in parallel.
type clientTokens struct {
	fetch func(ctx context.Context, userID string) (Token, error)

	mu     sync.Mutex
	byUser map[string]*tokenSource
}

func newClientTokens(fetch func(context.Context, string) (Token, error)) *clientTokens {
	return &clientTokens{fetch: fetch, byUser: make(map[string]*tokenSource)}
}

// source returns the user's token source, creating it on first use.
func (ct *clientTokens) source(userID string) *tokenSource {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if s, ok := ct.byUser[userID]; ok {
		return s
	}
	if len(ct.byUser) >= sweepAbove {
		ct.sweepLocked()
	}
	s := newTokenSource(nil, func(ctx context.Context) (Token, error) { return ct.fetch(ctx, userID) })
	ct.byUser[userID] = s
	return s
}

// sweepLocked drops the sources whose token has expired and that no
// caller is refreshing, so that a long-lived client serving many users
// keeps about an hour's worth of them.
func (ct *clientTokens) sweepLocked() {
	for id, s := range ct.byUser {
		if len(s.sem) == 0 && !s.cached().Valid() {
			delete(ct.byUser, id)
		}
	}
}

// ClientToken returns a CLIENT_ACCESS token bound to the user, for the
// Consent UI or for the user's own front end. The client caches it per
// user until shortly before its expires_in runs out, and fetches it once
// however many goroutines ask at the same time.
func (h *UserHandle) ClientToken(ctx context.Context) (Token, error) {
	if strings.TrimSpace(h.id) == "" {
		return Token{}, errors.New("sdk: client token: empty user id")
	}
	return h.c.clients.source(h.id).token(ctx)
}

// clientKey marks a request context whose call authenticates with a
// user's CLIENT_ACCESS token instead of the server's token.
type clientKey struct{}

// asUser returns ctx marked to authenticate with userID's client token.
func asUser(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, clientKey{}, userID)
}

// source is the token source a request authenticates with: the user's
// client token when ctx was marked by asUser, the server token otherwise.
func (c *Client) source(ctx context.Context) *tokenSource {
	if id, ok := ctx.Value(clientKey{}).(string); ok && id != "" {
		return c.clients.source(id)
	}
	return c.tokens
}
