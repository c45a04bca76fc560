package sdk

import (
	"context"
	"net/http"
)

// UsersService manages Basiq users: c.Users.
type UsersService service

// User is a Basiq user.
type User struct {
	Type        string        `json:"type"`
	ID          string        `json:"id"`
	Email       string        `json:"email,omitempty"`
	Mobile      string        `json:"mobile,omitempty"`
	FirstName   string        `json:"firstName,omitempty"`
	LastName    string        `json:"lastName,omitempty"`
	Connections *ResourceList `json:"connections,omitempty"`
	Accounts    *ResourceList `json:"accounts,omitempty"`
	Links       UserLinks     `json:"links"`
}

// UserLinks are a user's links.
type UserLinks struct {
	Self         string `json:"self,omitempty"`
	Accounts     string `json:"accounts,omitempty"`
	Connections  string `json:"connections,omitempty"`
	Transactions string `json:"transactions,omitempty"`
}

// ResourceList is a short list of resources embedded in another one, such
// as a user's connections.
type ResourceList struct {
	Type  string     `json:"type"`
	Count int        `json:"count"`
	Data  []Resource `json:"data"`
}

// Resource is a reference to another resource.
type Resource struct {
	Type  string            `json:"type"`
	ID    string            `json:"id"`
	Links map[string]string `json:"links,omitempty"`
}

// UserParams are the fields of a user to create or update; empty fields
// are not sent. Creating needs Email or Mobile.
type UserParams struct {
	Email     string `json:"email,omitempty"`
	Mobile    string `json:"mobile,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
}

// Create creates a user.
func (s *UsersService) Create(ctx context.Context, p UserParams) (*User, error) {
	return callOne[User](ctx, s.c, http.MethodPost, "/users", p)
}

// Get reads a user with its connections and accounts.
func (s *UsersService) Get(ctx context.Context, id string) (*User, error) {
	return s.For(id).Get(ctx)
}

// Update changes the given fields of a user.
func (s *UsersService) Update(ctx context.Context, id string, p UserParams) (*User, error) {
	return s.For(id).Update(ctx, p)
}

// Delete deletes a user.
func (s *UsersService) Delete(ctx context.Context, id string) error {
	return s.For(id).Delete(ctx)
}

// For returns a handle on the user id, like the Node SDK's User object.
// It sends no request.
func (s *UsersService) For(id string) *UserHandle {
	return &UserHandle{c: s.c, id: id}
}

// UserHandle is one user's view of the API: its connections, accounts,
// transactions and jobs. Get one from c.Users.For(id).
type UserHandle struct {
	c  *Client
	id string
}

// ID is the user's id.
func (h *UserHandle) ID() string { return h.id }

// Get reads the user.
func (h *UserHandle) Get(ctx context.Context) (*User, error) {
	p, err := pathf("/users/%s", h.id)
	if err != nil {
		return nil, err
	}
	return getOne[User](ctx, h.c, p)
}

// Update changes the given fields of the user.
func (h *UserHandle) Update(ctx context.Context, params UserParams) (*User, error) {
	p, err := pathf("/users/%s", h.id)
	if err != nil {
		return nil, err
	}
	return callOne[User](ctx, h.c, http.MethodPost, p, params)
}

// Delete deletes the user.
func (h *UserHandle) Delete(ctx context.Context) error {
	p, err := pathf("/users/%s", h.id)
	if err != nil {
		return err
	}
	return h.c.call(ctx, http.MethodDelete, p, nil, nil, nil)
}

// RefreshConnections refreshes all the user's connections, returning one
// job per connection.
func (h *UserHandle) RefreshConnections(ctx context.Context) ([]*Job, error) {
	return h.c.Connections.RefreshAll(ctx, h.id)
}

// Connections lists the user's connections, optionally filtered by id,
// status or institution.id.
func (h *UserHandle) Connections(ctx context.Context, f *FilterBuilder) ([]*Connection, error) {
	return h.c.Connections.List(ctx, h.id, f)
}

// CreateConnection connects the user to a bank; follow the returned job.
func (h *UserHandle) CreateConnection(ctx context.Context, cr Credentials) (*Job, error) {
	return h.c.Connections.Create(ctx, h.id, cr)
}

// Connection returns a handle on one of the user's connections.
func (h *UserHandle) Connection(id string) *ConnectionHandle {
	return h.c.Connections.For(h.id, id)
}

// Jobs lists the user's jobs, optionally filtered by connection.id.
func (h *UserHandle) Jobs(ctx context.Context, f *FilterBuilder) ([]*Job, error) {
	return h.c.Jobs.List(ctx, h.id, f)
}

// getList reads a collection (a list envelope) and returns its data.
func getList[T any](ctx context.Context, c *Client, path string, f *FilterBuilder) ([]T, error) {
	q, err := f.query()
	if err != nil {
		return nil, err
	}
	var l list[T]
	if err := c.call(ctx, http.MethodGet, path, q, nil, &l); err != nil {
		return nil, err
	}
	return l.Data, nil
}

// getOne reads a single resource.
func getOne[T any](ctx context.Context, c *Client, path string) (*T, error) {
	return callOne[T](ctx, c, http.MethodGet, path, nil)
}

// callOne sends one request with body in (nil for none) and decodes the
// single resource it answers.
func callOne[T any](ctx context.Context, c *Client, method, path string, in any) (*T, error) {
	v := new(T)
	if err := c.call(ctx, method, path, nil, in, v); err != nil {
		return nil, err
	}
	return v, nil
}
