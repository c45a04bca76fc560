package sdk

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// ConnectionsService manages users' bank connections: c.Connections.
type ConnectionsService service

// Connection is a user's link to one bank.
type Connection struct {
	Type        string          `json:"type"`
	ID          string          `json:"id"`
	Status      string          `json:"status"`
	CreatedDate string          `json:"createdDate,omitempty"`
	LastUsed    string          `json:"lastUsed,omitempty"`
	Institution *Resource       `json:"institution,omitempty"`
	Accounts    *AccountList    `json:"accounts,omitempty"`
	Links       ConnectionLinks `json:"links"`
}

// Connection statuses.
const (
	ConnectionPending = "pending"
	ConnectionActive  = "active"
	ConnectionInvalid = "invalid"
)

// AccountList is the accounts embedded in a connection.
type AccountList struct {
	Type string     `json:"type"`
	Data []*Account `json:"data"`
}

// ConnectionLinks are a connection's links.
type ConnectionLinks struct {
	Self         string `json:"self,omitempty"`
	User         string `json:"user,omitempty"`
	Accounts     string `json:"accounts,omitempty"`
	Transactions string `json:"transactions,omitempty"`
}

// Credentials log a user in to a bank. Fields are trimmed and empty
// optional fields are not sent. Printing Credentials with fmt never shows
// Password or SecurityCode.
type Credentials struct {
	Institution      string
	LoginID          string
	Password         string
	SecurityCode     string
	SecondaryLoginID string
}

// String redacts the secrets.
func (c Credentials) String() string {
	return fmt.Sprintf("sdk.Credentials{Institution: %q, LoginID: %q, Password: %s, SecurityCode: %s, SecondaryLoginID: %q}",
		c.Institution, c.LoginID, redact(c.Password), redact(c.SecurityCode), c.SecondaryLoginID)
}

// GoString redacts the secrets.
func (c Credentials) GoString() string { return c.String() }

// Format prints String for every verb, so that no verb shows a secret.
func (c Credentials) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

type institutionRef struct {
	ID string `json:"id"`
}

type credentialsBody struct {
	LoginID          string          `json:"loginId,omitempty"`
	Password         string          `json:"password"`
	SecurityCode     string          `json:"securityCode,omitempty"`
	SecondaryLoginID string          `json:"secondaryLoginId,omitempty"`
	Institution      *institutionRef `json:"institution,omitempty"`
}

// createBody is the body of POST /users/{id}/connections.
func (c Credentials) createBody() credentialsBody {
	b := c.updateBody()
	b.LoginID = strings.TrimSpace(c.LoginID)
	b.Institution = &institutionRef{ID: strings.TrimSpace(c.Institution)}
	return b
}

// updateBody is the body of POST /users/{id}/connections/{id}, as the
// spec asks: the password and the optional fields.
func (c Credentials) updateBody() credentialsBody {
	return credentialsBody{
		Password:         strings.TrimSpace(c.Password),
		SecurityCode:     strings.TrimSpace(c.SecurityCode),
		SecondaryLoginID: strings.TrimSpace(c.SecondaryLoginID),
	}
}

// Create connects user userID to a bank and returns the job that
// verifies the credentials and retrieves the data.
func (s *ConnectionsService) Create(ctx context.Context, userID string, cr Credentials) (*Job, error) {
	p, err := pathf("/users/%s/connections", userID)
	if err != nil {
		return nil, err
	}
	return s.postJob(ctx, p, cr.createBody())
}

// Get reads a connection.
func (s *ConnectionsService) Get(ctx context.Context, userID, connID string) (*Connection, error) {
	return s.For(userID, connID).Get(ctx)
}

// List lists a user's connections; filter fields are id, status and
// institution.id.
func (s *ConnectionsService) List(ctx context.Context, userID string, f *FilterBuilder) ([]*Connection, error) {
	p, err := pathf("/users/%s/connections", userID)
	if err != nil {
		return nil, err
	}
	return getList[*Connection](ctx, s.c, p, f)
}

// Update replaces a connection's credentials (Password and the optional
// fields) and returns the job that verifies them.
func (s *ConnectionsService) Update(ctx context.Context, userID, connID string, cr Credentials) (*Job, error) {
	return s.For(userID, connID).Update(ctx, cr)
}

// Refresh fetches a connection's latest data. While a job of the
// connection is running the server answers with that job.
func (s *ConnectionsService) Refresh(ctx context.Context, userID, connID string) (*Job, error) {
	return s.For(userID, connID).Refresh(ctx)
}

// RefreshAll refreshes all the user's connections.
func (s *ConnectionsService) RefreshAll(ctx context.Context, userID string) ([]*Job, error) {
	p, err := pathf("/users/%s/connections/refresh", userID)
	if err != nil {
		return nil, err
	}
	var l list[*Job]
	if err := s.c.call(ctx, http.MethodPost, p, nil, nil, &l); err != nil {
		return nil, err
	}
	return l.Data, nil
}

// Delete deletes a connection; its accounts and transactions stay.
func (s *ConnectionsService) Delete(ctx context.Context, userID, connID string) error {
	return s.For(userID, connID).Delete(ctx)
}

// For returns a handle on one connection. It sends no request.
func (s *ConnectionsService) For(userID, connID string) *ConnectionHandle {
	return &ConnectionHandle{c: s.c, userID: userID, id: connID}
}

func (s *ConnectionsService) postJob(ctx context.Context, path string, body any) (*Job, error) {
	return callOne[Job](ctx, s.c, http.MethodPost, path, body)
}

// ConnectionHandle is one connection of one user, like the Node SDK's
// Connection object.
type ConnectionHandle struct {
	c          *Client
	userID, id string
}

// ID is the connection's id.
func (h *ConnectionHandle) ID() string { return h.id }

// UserID is the id of the connection's user.
func (h *ConnectionHandle) UserID() string { return h.userID }

func (h *ConnectionHandle) path(suffix string) (string, error) {
	return pathf("/users/%s/connections/%s"+suffix, h.userID, h.id)
}

// Get reads the connection.
func (h *ConnectionHandle) Get(ctx context.Context) (*Connection, error) {
	p, err := h.path("")
	if err != nil {
		return nil, err
	}
	return getOne[Connection](ctx, h.c, p)
}

// Update replaces the connection's credentials.
func (h *ConnectionHandle) Update(ctx context.Context, cr Credentials) (*Job, error) {
	p, err := h.path("")
	if err != nil {
		return nil, err
	}
	return h.c.Connections.postJob(ctx, p, cr.updateBody())
}

// Refresh fetches the connection's latest data.
func (h *ConnectionHandle) Refresh(ctx context.Context) (*Job, error) {
	p, err := h.path("/refresh")
	if err != nil {
		return nil, err
	}
	return h.c.Connections.postJob(ctx, p, nil)
}

// Delete deletes the connection.
func (h *ConnectionHandle) Delete(ctx context.Context) error {
	p, err := h.path("")
	if err != nil {
		return err
	}
	return h.c.call(ctx, http.MethodDelete, p, nil, nil, nil)
}
