package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// DefaultBaseURL is the Basiq API served from Australia.
const DefaultBaseURL = "https://au-api.basiq.io"

// DefaultAPIVersion is the basiq-version sent when WithAPIVersion is not
// given; it matches the Node SDK.
const DefaultAPIVersion = "1.0"

// maxBody bounds how much of a response the client reads.
const maxBody = 32 << 20

// Client talks to the Basiq API. It is safe for concurrent use. Services
// hang off it as fields, go-github style: c.Users.Get(ctx, id).
type Client struct {
	// Users creates, reads, updates and deletes users; accounts,
	// transactions and a user's jobs hang off c.Users.For(id).
	Users *UsersService
	// Connections manages a user's bank connections.
	Connections *ConnectionsService
	// Jobs reads and waits for the jobs connections start.
	Jobs *JobsService
	// Institutions lists the banks Basiq can connect to.
	Institutions *InstitutionsService

	// Connectors lists API 3.0's connectors, institutions by method.
	Connectors *ConnectorsService
	// Events reads Basiq's events (API 3.0).
	Events *EventsService
	// Webhooks manages the webhook subscriptions events go to (API 3.0).
	Webhooks *WebhooksService

	common service
	cfg    config
	base   *url.URL
	hc     *http.Client // authenticated through authTransport
	tokens *tokenSource

	// clients holds the CLIENT_ACCESS tokens, one per user.
	clients *clientTokens
}

type service struct{ c *Client }

// New returns a client for the API key, used as Basiq issued it (already
// base64 of appId:secret). It sends no request: the token is fetched on
// the first call.
func New(apiKey string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, errors.New("sdk: empty API key")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	cfg.hc = onBaseOnly(cfg.hc, base)
	c := &Client{cfg: cfg, base: base}
	c.tokens = newTokenSource(cfg.store, func(ctx context.Context) (Token, error) {
		return c.fetchToken(ctx, apiKey, "")
	})
	c.clients = newClientTokens(func(ctx context.Context, userID string) (Token, error) {
		return c.fetchToken(ctx, apiKey, userID)
	})
	c.hc = authedClient(cfg.hc, c)
	c.common.c = c
	c.Users = (*UsersService)(&c.common)
	c.Connections = (*ConnectionsService)(&c.common)
	c.Jobs = (*JobsService)(&c.common)
	c.Institutions = (*InstitutionsService)(&c.common)
	c.Connectors = (*ConnectorsService)(&c.common)
	c.Events = (*EventsService)(&c.common)
	c.Webhooks = (*WebhooksService)(&c.common)
	return c, nil
}

// Connect is New followed by a token request, like the Node SDK's
// getSession: a bad key or base URL fails here rather than on first use.
func Connect(ctx context.Context, apiKey string, opts ...Option) (*Client, error) {
	c, err := New(apiKey, opts...)
	if err != nil {
		return nil, err
	}
	if _, err := c.Token(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Token returns the current access token, fetching or refreshing it when
// needed. Most callers never need it: every service call authenticates.
func (c *Client) Token(ctx context.Context) (Token, error) {
	return c.tokens.token(ctx)
}

func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return nil, fmt.Errorf("sdk: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sdk: base URL %q: want an absolute http(s) URL", s)
	}
	return u, nil
}

// pathf builds an API path from a format whose %s verbs are path
// segments; each segment is escaped and must not be empty.
func pathf(format string, segs ...string) (string, error) {
	args := make([]any, len(segs))
	for i, s := range segs {
		if strings.TrimSpace(s) == "" {
			return "", errors.New("sdk: empty id in " + strings.ReplaceAll(format, "%s", "{}"))
		}
		args[i] = url.PathEscape(s)
	}
	return fmt.Sprintf(format, args...), nil
}

// resolve turns a path or link into a URL on the base host. Absolute links
// must stay on the base scheme and host.
func (c *Client) resolve(ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("sdk: link %q: %w", ref, err)
	}
	if r.IsAbs() || r.Host != "" {
		if r.Host != c.base.Host || (r.Scheme != "" && r.Scheme != c.base.Scheme) {
			return nil, fmt.Errorf("sdk: link %q leaves the base host %s", ref, c.base.Host)
		}
		u := *r
		u.Scheme = c.base.Scheme
		return &u, nil
	}
	u := *c.base
	u.Path = c.base.Path + "/" + strings.TrimLeft(r.Path, "/")
	u.RawPath = ""
	if r.RawPath != "" {
		u.RawPath = c.base.EscapedPath() + "/" + strings.TrimLeft(r.RawPath, "/")
	}
	u.RawQuery = r.RawQuery
	return &u, nil
}

// payload is an encoded request body and its content type.
type payload struct {
	data        []byte
	contentType string
}

// call sends one API request (with retries) with in as its JSON body (nil
// for none) and decodes the answer into out; a 2xx whose body is not what
// out expects is a *BodyError.
func (c *Client) call(ctx context.Context, method, ref string, q url.Values, in, out any) error {
	var body *payload
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("sdk: encode %s %s: %w", method, ref, err)
		}
		body = &payload{data: data, contentType: "application/json"}
	}
	return c.callBody(ctx, method, ref, q, body, out)
}

// callBody is call with an encoded body (nil for none).
func (c *Client) callBody(ctx context.Context, method, ref string, q url.Values, body *payload, out any) error {
	u, err := c.resolve(ref)
	if err != nil {
		return err
	}
	if len(q) > 0 {
		merged := u.Query()
		for k, vs := range q {
			merged[k] = vs
		}
		u.RawQuery = merged.Encode()
	}
	return c.doRetry(ctx, method, u, body, out)
}

// attempt sends the request once and decodes a 2xx answer into out (nil
// when no body is expected).
func (c *Client) attempt(ctx context.Context, method string, u *url.URL, body *payload, out any) error {
	status, data, err := c.send(ctx, method, u, body)
	if err != nil || out == nil {
		return err
	}
	if reason := unexpected(data, out); reason != "" {
		return c.bodyError(status, method, u, reason, data)
	}
	return nil
}

// send makes one attempt. It returns the status and body of a 2xx answer,
// or an *Error for any other status, a *BodyError for a 2xx body over
// maxBody, or a transport error.
func (c *Client) send(ctx context.Context, method string, u *url.URL, body *payload) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body.data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, fmt.Errorf("sdk: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", body.contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("sdk: %s %s: %w", method, u.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	over := len(data) > maxBody
	if over {
		data = data[:maxBody]
	}
	if resp.StatusCode > 299 {
		return 0, nil, newError(resp, data)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("sdk: read %s %s: %w", method, u.Path, err)
	}
	if over {
		return 0, nil, &BodyError{StatusCode: resp.StatusCode, Method: method, Path: u.Path, Route: c.route(u.Path), Limit: maxBody,
			Reason: "body over the client's limit of " + sizeString(maxBody) + ", not read further", Snippet: snippet(data, 200)}
	}
	return resp.StatusCode, data, nil
}

// sizeString writes n bytes in MiB when it is a whole number of them.
func sizeString(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// list is Basiq's collection envelope.
type list[T any] struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
	Data  []T    `json:"data"`
}
