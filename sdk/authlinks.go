package sdk

import (
	"context"
	"net/http"
	"time"
)

// AuthLink is a link to the Consent UI that Basiq sends to a user by SMS
// (API 3.0). It works once and expires after 7 days; a new one cancels
// the old.
type AuthLink struct {
	Type      string        `json:"type"`
	ID        string        `json:"id,omitempty"`
	UserID    string        `json:"userId"`
	Mobile    string        `json:"mobile"`
	ExpiresAt time.Time     `json:"expiresAt"`
	Links     AuthLinkLinks `json:"links"`
}

// AuthLinkLinks are an auth link's links; Public is the one for the user.
type AuthLinkLinks struct {
	Public string `json:"public,omitempty"`
	Self   string `json:"self,omitempty"`
}

// AuthLinkParams are the optional fields of a new auth link: Mobile
// overrides the user's own number.
type AuthLinkParams struct {
	Mobile string `json:"mobile,omitempty"`
}

func (h *UserHandle) authLinkPath() (string, error) { return pathf("/users/%s/auth_link", h.id) }

// CreateAuthLink creates an auth link for the user, cancelling any
// earlier one.
func (h *UserHandle) CreateAuthLink(ctx context.Context, params AuthLinkParams) (*AuthLink, error) {
	p, err := h.authLinkPath()
	if err != nil {
		return nil, err
	}
	return callOne[AuthLink](ctx, h.c, http.MethodPost, p, params)
}

// AuthLink reads the user's current auth link; a 404 *Error when none is
// open.
func (h *UserHandle) AuthLink(ctx context.Context) (*AuthLink, error) {
	p, err := h.authLinkPath()
	if err != nil {
		return nil, err
	}
	return getOne[AuthLink](ctx, h.c, p)
}

// DeleteAuthLink cancels the user's auth link.
func (h *UserHandle) DeleteAuthLink(ctx context.Context) error {
	p, err := h.authLinkPath()
	if err != nil {
		return err
	}
	return h.c.call(ctx, http.MethodDelete, p, nil, nil, nil)
}
