package sdk

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// authTransport adds the bearer token and basiq-version to each request
// and re-authenticates once when the server calls the token expired, like
// golang.org/x/oauth2's Transport.
type authTransport struct {
	c    *Client
	base http.RoundTripper
}

// authedClient copies hc with its transport wrapped by authTransport. hc
// already keeps requests on the base URL (onBaseOnly).
func authedClient(hc *http.Client, c *Client) *http.Client {
	cp := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = &authTransport{c: c, base: base}
	return &cp
}

// RoundTrip implements http.RoundTripper. It sends the token only to the
// base URL's scheme and host, whatever the request (the redirect policy
// already keeps requests there; this makes sure of it).
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !onBase(req.URL, t.c.base) {
		return nil, fmt.Errorf("sdk: not sending the token to %s://%s: not the base URL", req.URL.Scheme, req.URL.Host)
	}
	ctx := req.Context()
	src := t.c.source(ctx)
	tok, err := src.token(ctx)
	if err != nil {
		return nil, notSent{err}
	}
	resp, err := t.base.RoundTrip(t.authorize(req, tok, req.Body))
	if err != nil || (resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden) {
		return resp, err
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if !IsTokenExpired(newError(resp, data)) {
		resp.Body = io.NopCloser(bytes.NewReader(data))
		return resp, nil
	}
	if tok, err = src.refresh(ctx, tok.AccessToken); err != nil {
		return nil, notSent{err}
	}
	body, err := rewind(req)
	if err != nil {
		return nil, notSent{err}
	}
	return t.base.RoundTrip(t.authorize(req, tok, body))
}

func (t *authTransport) authorize(req *http.Request, tok Token, body io.ReadCloser) *http.Request {
	r := req.Clone(req.Context())
	r.Body = body
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	t.c.setCommonHeaders(r)
	return r
}

func rewind(req *http.Request) (io.ReadCloser, error) {
	if req.Body == nil || req.GetBody == nil {
		return req.Body, nil
	}
	return req.GetBody()
}

// notSent marks an error that happened before the request reached the
// server, so that even a POST may be retried.
type notSent struct{ err error }

func (e notSent) Error() string { return e.err.Error() }
func (e notSent) Unwrap() error { return e.err }
