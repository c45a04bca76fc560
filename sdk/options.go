package sdk

import (
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Option configures a Client built by New or Connect.
type Option func(*config) error

type config struct {
	baseURL   string
	hc        *http.Client
	version   string
	store     TokenStore
	retry     RetryPolicy
	userAgent string

	consentURL *url.URL // the Consent UI's home page
}

func defaultConfig() config {
	return config{
		baseURL:   DefaultBaseURL,
		hc:        http.DefaultClient,
		version:   DefaultAPIVersion,
		retry:     DefaultRetryPolicy(),
		userAgent: "basiq-go-sdk",

		consentURL: mustURL(DefaultConsentURL),
	}
}

// WithBaseURL points the client at another Basiq host, such as a
// basiqtest server. The default is DefaultBaseURL.
func WithBaseURL(u string) Option {
	return func(c *config) error { c.baseURL = u; return nil }
}

// WithHTTPClient sets the HTTP client whose transport, timeout and
// redirect policy the SDK uses; it is copied, never modified. Its
// CheckRedirect is asked only about redirects on the base URL's host:
// redirects elsewhere are never followed (see the package doc).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return fmt.Errorf("sdk: nil http.Client")
		}
		c.hc = hc
		return nil
	}
}

// WithAPIVersion sets the basiq-version header: "1.0" (the default, as
// the Node SDK), "2.0", "2.1" or "3.0".
func WithAPIVersion(v string) Option {
	return func(c *config) error {
		switch v {
		case "1.0", "2.0", "2.1", "3.0":
			c.version = v
			return nil
		}
		return fmt.Errorf("sdk: unsupported API version %q (want 1.0, 2.0, 2.1 or 3.0)", v)
	}
}

// WithTokenStore shares access tokens through s, for example between the
// processes of one API key. A store that also implements TokenLocker
// serialises refreshes across processes.
func WithTokenStore(s TokenStore) Option {
	return func(c *config) error { c.store = s; return nil }
}

// WithRetryPolicy replaces DefaultRetryPolicy. Zero fields take their
// defaults; MaxAttempts 1 disables retries.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if p.MaxAttempts < 0 || p.MinBackoff < 0 || p.MaxBackoff < 0 || p.MaxRetryAfter < 0 {
			return fmt.Errorf("sdk: negative retry policy field")
		}
		c.retry = p.withDefaults()
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error { c.userAgent = ua; return nil }
}

// retry defaults.
const (
	defaultMaxAttempts   = 3
	defaultMinBackoff    = 250 * time.Millisecond
	defaultMaxBackoff    = 5 * time.Second
	defaultMaxRetryAfter = 30 * time.Second
)
