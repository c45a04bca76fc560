package sdk

import (
	"context"
	"net/http"
	"time"
)

// Consent is a user's consent to share data (API 3.0), given in the
// Consent UI. When it is revoked or expires the partner must delete or
// de-identify the user's data (events consent.revoked, consent.expired).
type Consent struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Created    time.Time      `json:"created"`
	Updated    time.Time      `json:"updated"`
	ExpiryDate time.Time      `json:"expiryDate"`
	Origin     string         `json:"origin,omitempty"`
	Status     string         `json:"status"`
	Purpose    ConsentPurpose `json:"purpose"`
	Data       ConsentData    `json:"data"`
	// Revoked is when it was revoked, as Basiq wrote it; "" while not.
	Revoked string            `json:"revoked,omitempty"`
	Links   map[string]string `json:"links,omitempty"`
}

// Consent statuses.
const (
	ConsentActive  = "active"
	ConsentRevoked = "revoked"
	ConsentExpired = "expired"
)

// ConsentPurpose is why the partner asks for the data.
type ConsentPurpose struct {
	Primary ConsentText `json:"primary"`
	Other   *bool       `json:"other"`
}

// ConsentText is a title and its description.
type ConsentText struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// ConsentData is what the consent lets the partner read and keep.
type ConsentData struct {
	RetainData           bool                `json:"retainData"`
	InitialRetrievalDays int                 `json:"initialRetrievalDays,omitempty"`
	Organisation         *bool               `json:"organisation"`
	Permissions          []ConsentPermission `json:"permissions"`
}

// ConsentPermission is one scope the user consented to.
type ConsentPermission struct {
	Scope       string      `json:"scope"`
	Required    bool        `json:"required"`
	Consented   bool        `json:"consented"`
	Entity      string      `json:"entity"`
	Information ConsentInfo `json:"information"`
	Purpose     ConsentText `json:"purpose"`
}

// ConsentInfo describes the data a permission covers.
type ConsentInfo struct {
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	AttributeList []string `json:"attributeList"`
}

// Consents lists the user's consents.
func (h *UserHandle) Consents(ctx context.Context) ([]*Consent, error) {
	p, err := pathf("/users/%s/consents", h.id)
	if err != nil {
		return nil, err
	}
	return getList[*Consent](ctx, h.c, p, nil)
}

// RevokeConsent revokes one of the user's consents; Basiq then emits
// consent.revoked.
func (h *UserHandle) RevokeConsent(ctx context.Context, consentID string) error {
	p, err := pathf("/users/%s/consents/%s", h.id, consentID)
	if err != nil {
		return err
	}
	return h.c.call(ctx, http.MethodDelete, p, nil, nil, nil)
}

func (c *Consent) kind() (string, string, string) {
	if c == nil {
		return "", "", "consent"
	}
	return c.Type, c.ID, "consent"
}
