package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// DefaultConsentURL is the home page of Basiq's hosted Consent UI.
const DefaultConsentURL = "https://consent.basiq.io/home"

// Consent UI actions (ConsentOptions.Action). No action opens the default
// flow: consent first, then connect.
const (
	ConsentActionConnect     = "connect"     // connect another institution under the existing consent
	ConsentActionManage      = "manage"      // view, extend or revoke the consent
	ConsentActionUpdate      = "update"      // update a connection's details (with ConnectionID)
	ConsentActionExtend      = "extend"      // extend the consent before it expires
	ConsentActionReauthorise = "reauthorise" // re-authorise an Open Banking connection (with ConnectionID)
)

// WithConsentURL points the Consent UI links built by ConsentURL at
// another page, such as a basiqtest server's /consent. The default is
// DefaultConsentURL.
func WithConsentURL(u string) Option {
	return func(c *config) error {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("sdk: consent URL %q: want an absolute http(s) URL", u)
		}
		c.consentURL = p
		return nil
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// ConsentOptions are the optional parameters of a Consent UI link.
type ConsentOptions struct {
	// Action is one of the ConsentAction constants; empty opens the
	// default consent-then-connect flow.
	Action string
	// State is handed back untouched on the redirect, for example to
	// find the user's session again.
	State string
	// InstitutionID skips the institution picker.
	InstitutionID string
	// ConnectionID names the connection to update or re-authorise.
	ConnectionID string
}

// ConsentURL returns the link that sends the user to the Consent UI: the
// consent page (WithConsentURL) with a CLIENT_ACCESS token bound to the
// user (ClientToken) and the options set. The link holds a token: hand it
// to the user's browser only, never log it.
func (h *UserHandle) ConsentURL(ctx context.Context, o ConsentOptions) (string, error) {
	tok, err := h.ClientToken(ctx)
	if err != nil {
		return "", err
	}
	return consentLink(h.c.cfg.consentURL, tok.AccessToken, o), nil
}

// consentLink adds token and the options to the query of base.
func consentLink(base *url.URL, token string, o ConsentOptions) string {
	u := *base
	q := u.Query()
	q.Set("token", token)
	for k, v := range map[string]string{"action": o.Action, "state": o.State,
		"institutionId": o.InstitutionID, "connectionId": o.ConnectionID} {
		if v = strings.TrimSpace(v); v != "" {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ConsentResult is what the Consent UI hands back on its redirect: one job
// id per connection the user made, and the State given to ConsentURL.
type ConsentResult struct {
	JobIDs []string
	State  string
}

// ErrNoJobs is returned by ParseConsentRedirect for a redirect without
// job ids: the user left the Consent UI without connecting.
var ErrNoJobs = errors.New("sdk: consent redirect carries no job ids")

// ParseConsentRedirect reads the query of the URL the Consent UI
// redirected the user to (?jobId=J1&jobIds=J1,J2&state=S): the job ids of
// jobIds and jobId, each once, in order. Follow each job with
// c.Jobs.WaitForTransactions or the worker.
func ParseConsentRedirect(redirect *url.URL) (ConsentResult, error) {
	q := redirect.Query()
	r := ConsentResult{State: q.Get("state")}
	seen := map[string]bool{}
	for _, v := range append(q["jobIds"], q["jobId"]...) {
		for id := range strings.SplitSeq(v, ",") {
			if id = strings.TrimSpace(id); id != "" && !seen[id] {
				seen[id] = true
				r.JobIDs = append(r.JobIDs, id)
			}
		}
	}
	if len(r.JobIDs) == 0 {
		return r, ErrNoJobs
	}
	return r, nil
}
