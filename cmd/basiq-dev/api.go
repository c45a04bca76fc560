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

// apiHandler is the HTTP API basiq-dev builds, served on -api (when set)
// and used by the callback page for its event streams.
type apiHandler struct {
	handler http.Handler
	// token is the throw-away token printed in the banner, "" when
	// API_TOKENS was set; internalToken is basiq-dev's own (the callback
	// page's), never shown.
	token, internalToken string
}

// buildAPI builds the HTTP API over the stack's Redis; API_TOKENS is
// honoured, otherwise a throw-away token is made (and printed).
func (st *stack) buildAPI(o options, getenv func(string) string, log zerolog.Logger) (*apiHandler, error) {
	hashes, token, err := devTokens(getenv("API_TOKENS"))
	if err != nil {
		return nil, fmt.Errorf("API_TOKENS: %w", err)
	}
	internal, err := randomToken()
	if err != nil {
		return nil, err
	}
	hashes = append(hashes, httpapi.HashToken(internal))
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	j := st.journeys
	api, err := httpapi.New(httpapi.Options{
		Tasks:     tasks.NewClient(st.rdb, st.keyring, tasks.WithNamespace(st.ns)),
		Inspector: asynq.NewInspectorFromRedisClient(st.rdb), Redis: st.rdb, Namespace: st.ns,
		TokenHashes: hashes, IdempotencySecret: secret, Logger: log.With().Str("component", "api").Logger(),
		// The callback page knows the user of every link the API makes.
		Consent: func(ctx context.Context, userID string, co sdk.ConsentOptions) (string, error) {
			if co.State == "" {
				if co.State, err = j.newState(userID); err != nil {
					return "", err
				}
			} else {
				j.remember(co.State, userID)
			}
			return j.basiq.Users.For(userID).ConsentURL(ctx, co)
		},
	})
	if err != nil {
		return nil, err
	}
	return &apiHandler{handler: api, token: token, internalToken: internal}, nil
}

// startAPI serves the HTTP API on o.apiAddr ("" for none).
func (st *stack) startAPI(o options, h *apiHandler) error {
	if o.apiAddr == "" {
		return nil
	}
	ln, err := listenNear(o.apiAddr)
	if err != nil {
		return fmt.Errorf("-api: %w", err)
	}
	st.devAPI = &devAPI{url: "http://" + ln.Addr().String(), token: h.token}
	if ln.Addr().String() != o.apiAddr && !isPortZero(o.apiAddr) {
		st.devAPI.note = fmt.Sprintf("(%s was taken, using %s)", o.apiAddr, ln.Addr())
	}
	st.serveAPI(ln, h.handler)
	return nil
}

// serveAPI serves h on ln until the stack closes; open event streams end then.
func (st *stack) serveAPI(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return st.streams }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Println("basiq-dev: API:", err)
		}
	}()
	st.closers = append(st.closers, func() {
		st.endStreams()
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
	token, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	return []httpapi.TokenHash{httpapi.HashToken(token)}, token, nil
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "dev-" + hex.EncodeToString(b), nil
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
	// connect.mjs does the Consent UI journey by default, the credentials
	// create with --credentials.
	flag := ""
	if !st.consent3() {
		flag = " --credentials"
	}
	fmt.Fprintf(w, "  node:       BASIQ_API_URL=%s API_TOKEN=%s BASIQ_URL=%s BASIQ_API_KEY=%s node examples/node/connect.mjs%s\n",
		a.url, token, st.fake.URL, devAPIKey, flag)
}
