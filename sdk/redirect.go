package sdk

import (
	"errors"
	"net/http"
	"net/url"
)

// maxRedirects is net/http's own limit, kept when the caller's client has
// no CheckRedirect.
const maxRedirects = 10

// onBaseOnly copies hc with a redirect policy that keeps every request on
// base: a redirect to another scheme or host is not followed, so neither
// the bearer token nor the API key ever reaches it; the 3xx answer is
// returned instead (send makes it an *Error naming the target). Redirects
// on the base host go through hc's own CheckRedirect, if any.
func onBaseOnly(hc *http.Client, base *url.URL) *http.Client {
	cp := *hc
	next := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !onBase(req.URL, base) {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cp
}

// onBase reports whether u has base's scheme and host (with its port).
func onBase(u, base *url.URL) bool {
	return u.Scheme == base.Scheme && u.Host == base.Host
}

// redirectTarget is where a 3xx answer points, as scheme, host and path
// (no query: it may be long or carry another service's parameters); ""
// when it has no usable Location.
func redirectTarget(resp *http.Response) string {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return ""
	}
	loc, err := resp.Location()
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: loc.Scheme, Host: loc.Host, Path: loc.Path}).String()
}
