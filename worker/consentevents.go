package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/rs/zerolog"
)

// purgedTTL is how long the connections deleted after a consent event are
// remembered: past the event task's retries.
const purgedTTL = startTTL

// consentEnded handles consent.revoked and consent.expired: it records the
// state first (the user's refreshes stop at once: consent.go), deletes the
// user's connections at Basiq with Config.PurgeOnConsentEnd, and relays the
// consent_revoked event the application must act on (delete or de-identify
// the user's data), listing the connections deleted. Each step is safe to
// run again: the state only moves forward in time, a connection deleted
// already is not listed any more and is remembered as deleted, and the
// event is published once.
func (h *handlers) consentEnded(ctx context.Context, ev *sdk.Event, b tasks.BasiqEvent) error {
	a := attemptOf(ctx)
	if b.UserID == "" {
		zerolog.Ctx(ctx).Warn().Msg("consent event names no user, acknowledged")
		return nil
	}
	status := sdk.ConsentRevoked
	if ev.Type == sdk.EventConsentExpired {
		status = sdk.ConsentExpired
	}
	s := consentState{Status: status, ConsentID: b.ConsentID, At: b.OccurredAt, EventID: ev.ID, Checked: h.now()}
	if _, err := h.saveConsent(ctx, b.UserID, s); err != nil {
		return h.retry(ctx, a, err)
	}
	if h.purge {
		purged, err := h.purgeConnections(ctx, ev.ID, b.UserID)
		b.Purge = &tasks.Purge{Deleted: purged}
		switch {
		case err == nil:
		case !final(err, a):
			return h.retry(ctx, a, err)
		default:
			b.Purge.Error = err.Error()
			zerolog.Ctx(ctx).Error().Err(err).Strs("purged", purged).Msg("consent ended: connections not all deleted")
		}
		if b.Purge.Deleted == nil {
			b.Purge.Deleted = []string{}
		}
	}
	return h.relay(ctx, results.NewBasiqEvent(tasks.EventConsentRevoked, b))
}

// consentRenewed handles consent.created and consent.updated: the user's
// consent is active again (unless a newer event ended it).
func (h *handlers) consentRenewed(ctx context.Context, ev *sdk.Event, b tasks.BasiqEvent) error {
	if b.UserID == "" {
		zerolog.Ctx(ctx).Warn().Msg("consent event names no user, acknowledged")
		return nil
	}
	s := consentState{Status: sdk.ConsentActive, ConsentID: b.ConsentID, At: b.OccurredAt, EventID: ev.ID, Checked: h.now()}
	stored, err := h.saveConsent(ctx, b.UserID, s)
	if err != nil {
		return h.retry(ctx, attemptOf(ctx), err)
	}
	zerolog.Ctx(ctx).Info().Bool("recorded", stored).Msg("consent active")
	return nil
}

// purgeConnections deletes every connection of userID at Basiq, and
// returns those deleted for consent event eventID (by this run or an
// earlier one, remembered in keys.Purged). A connection already gone (404)
// counts as deleted.
func (h *handlers) purgeConnections(ctx context.Context, eventID, userID string) ([]string, error) {
	key := keys.Purged(h.ns, eventID)
	conns, err := h.basiq.Connections(ctx, userID)
	if err != nil && !sdk.IsNotFound(err) { // an unknown user has nothing left to delete
		return h.purged(ctx, key), fmt.Errorf("list connections of user %s: %w", userID, err)
	}
	for _, c := range conns {
		if err := h.basiq.DeleteConnection(ctx, userID, c.ID); err != nil && !sdk.IsNotFound(err) {
			return h.purged(ctx, key), fmt.Errorf("delete connection %s of user %s: %w", c.ID, userID, err)
		}
		if err := h.rdb.SAdd(ctx, key, c.ID).Err(); err != nil {
			return h.purged(ctx, key), fmt.Errorf("remember connection %s deleted: %w", c.ID, err)
		}
		h.rdb.Expire(ctx, key, purgedTTL)
		zerolog.Ctx(ctx).Info().Str("connection_id", c.ID).Msg("consent ended: connection deleted at Basiq")
	}
	ids, err := h.rdb.SMembers(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("read connections deleted: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// purged are the connections remembered as deleted, for an event that
// reports a failed purge (best effort: a Redis error gives none).
func (h *handlers) purged(ctx context.Context, key string) []string {
	ids, err := h.rdb.SMembers(ctx, key).Result()
	if err != nil && !errors.Is(err, context.Canceled) {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("connections deleted not read")
	}
	slices.Sort(ids)
	return ids
}
