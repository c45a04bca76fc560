package sdk

import (
	"context"
	"net/http"
)

// Purge deletes the data Basiq keeps for a connection (API 3.0), for
// example after the user's consent was revoked.
func (s *ConnectionsService) Purge(ctx context.Context, userID, connID string) error {
	return s.For(userID, connID).Purge(ctx)
}

// Purge deletes the data Basiq keeps for the connection.
func (h *ConnectionHandle) Purge(ctx context.Context) error {
	p, err := h.path("/purge")
	if err != nil {
		return err
	}
	return h.c.call(ctx, http.MethodPost, p, nil, nil, nil)
}
