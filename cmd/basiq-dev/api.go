package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/httpapi"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// devAPI is the HTTP API (internal/httpapi) as basiq-dev serves it, on
// its own listener (-api), with a token printed in the banner.
type devAPI struct {
	url   string
	token string // "" when API_TOKENS was set: the user knows theirs
	note  string
}

// startAPI serves the HTTP API on o.apiAddr ("" for none) over the
// stack's Redis; API_TOKENS is honoured, otherwise a throw-away token is
// made and printed.
func (st *stack) startAPI(o options, getenv func(string) string, log zerolog.Logger) error {
	if o.apiAddr == "" {
		return nil
	}
	hashes, token, err := devTokens(getenv("API_TOKENS"))
	if err != nil {
		return fmt.Errorf("API_TOKENS: %w", err)
	}
	consent, err := sdk.New(devAPIKey, sdk.WithBaseURL(st.fake.URL), sdk.WithAPIVersion("3.0"),
		sdk.WithConsentURL(st.fake.URL+"/consent"))
	if err != nil {
		return err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	api, err := httpapi.New(httpapi.Options{
		Tasks:     tasks.NewClient(st.rdb, st.keyring, tasks.WithNamespace(st.ns)),
		Inspector: asynq.NewInspectorFromRedisClient(st.rdb), Redis: st.rdb, Namespace: st.ns,
		TokenHashes: hashes, IdempotencySecret: secret, Logger: log.With().Str("component", "api").Logger(),
		Consent: func(ctx context.Context, userID string, co sdk.ConsentOptions) (string, error) {
			return consent.Users.For(userID).ConsentURL(ctx, co)
		},
	})
	if err != nil {
		return err
	}
	ln, err := listenNear(o.apiAddr)
	if err != nil {
		return fmt.Errorf("-api: %w", err)
	}
	st.devAPI = &devAPI{url: "http://" + ln.Addr().String(), token: token}
	if ln.Addr().String() != o.apiAddr && !isPortZero(o.apiAddr) {
		st.devAPI.note = fmt.Sprintf("(%s was taken, using %s)", o.apiAddr, ln.Addr())
	}
	st.serveAPI(ln, api)
	return nil
}

// serveAPI serves h on ln until the stack closes; open event streams end then.
func (st *stack) serveAPI(ln net.Listener, h http.Handler) {
	streams, endStreams := context.WithCancel(context.Background())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return streams }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Println("basiq-dev: API:", err)
		}
	}()
	st.closers = append(st.closers, func() {
		endStreams()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
}

// devTokens parses spec (API_TOKENS) or makes one throw-away token.
func devTokens(spec string) ([]httpapi.TokenHash, string, error) {
	if spec != "" {
		h, err := httpapi.ParseTokenHashes(spec)
		return h, "", err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, "", err
	}
	token := "dev-" + hex.EncodeToString(b)
	return []httpapi.TokenHash{httpapi.HashToken(token)}, token, nil
}

// printAPI adds the API's lines to the banner.
func (st *stack) printAPI(w io.Writer) {
	a := st.devAPI
	if a == nil {
		return
	}
	token := a.token
	if token == "" {
		token = "<one of API_TOKENS>"
	}
	fmt.Fprintf(w, "  HTTP API:   %s/v1/ (Authorization: Bearer %s; document at /v1/openapi.json) %s\n", a.url, token, a.note)
	fmt.Fprintf(w, "  node:       BASIQ_API_URL=%s API_TOKEN=%s BASIQ_URL=%s BASIQ_API_KEY=%s node examples/node/connect.mjs\n",
		a.url, token, st.fake.URL, devAPIKey)
}
