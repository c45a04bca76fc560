package worker

// Consent-aware refresh. Under API 3.0 a user's connections may be
// refreshed only while their consent lasts; once it is revoked or expires
// Basiq refuses the refresh (the connections are invalid) and the partner
// must delete the user's data. The worker keeps what it knows of each
// user's consent in Redis and sends no refresh for a user whose consent
// ended: the task gets a failed result with CodeConsentRevoked or
// CodeConsentExpired.
//
// How it knows, chosen by cost: Basiq's consent events, which the webhook
// receiver already takes in (consent.revoked, consent.expired end it;
// consent.created, consent.updated renew it), cost no Basiq call and arrive
// within seconds; the record is one Redis hash per user whose consent
// changed, read by one HGETALL per refresh task. GET /users/{id}/consents
// costs a Basiq call (under the account's rate limit) per look, so it is
// off by default and, when Config.ConsentLookup is set (for a worker that
// does not receive Basiq's webhooks), an answer is kept for that long: at
// most one call per user per interval, not one per refresh. Events are
// ordered by Basiq's time: a late delivery of an older event does not undo
// a newer one.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// consentTTL is how long a consent record is kept after its last change.
const consentTTL = 400 * 24 * time.Hour

// consentNone is the status of a user with no consent at Basiq (a
// credentials-era user): nothing to refuse.
const consentNone = "none"

// consentState is what the worker knows of a user's consent.
type consentState struct {
	Status    string    // sdk.ConsentActive, ConsentRevoked, ConsentExpired or consentNone
	ConsentID string    // the consent it is about
	At        time.Time // when it took this status, by Basiq's clock
	EventID   string    // the Basiq event that said so; "" when read from the API
	Checked   time.Time // when the worker learnt it
}

func (s consentState) ended() bool {
	return s.Status == sdk.ConsentRevoked || s.Status == sdk.ConsentExpired
}

// setConsentScript stores a consent state unless the stored one is newer
// (then only its check time).
// KEYS[1] the record; ARGV status, consent id, at ms, event id, checked ms, ttl ms.
var setConsentScript = redis.NewScript(`
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or '-1')
if at > tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'checked', ARGV[5])
  return 0
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'consentId', ARGV[2], 'at', ARGV[3], 'eventId', ARGV[4], 'checked', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
`)

// saveConsent records s for userID unless a newer state is recorded; it
// reports whether s was stored.
func (h *handlers) saveConsent(ctx context.Context, userID string, s consentState) (bool, error) {
	n, err := setConsentScript.Run(ctx, h.rdb, []string{keys.Consent(h.ns, userID)}, s.Status, s.ConsentID,
		s.At.UnixMilli(), s.EventID, s.Checked.UnixMilli(), consentTTL.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("record consent of user %s: %w", userID, err)
	}
	return n == 1, nil
}

// loadConsent reads the recorded consent of userID (ok false: none).
func (h *handlers) loadConsent(ctx context.Context, userID string) (consentState, bool, error) {
	m, err := h.rdb.HGetAll(ctx, keys.Consent(h.ns, userID)).Result()
	if err != nil {
		return consentState{}, false, fmt.Errorf("read consent of user %s: %w", userID, err)
	}
	if m["status"] == "" {
		return consentState{}, false, nil
	}
	ms := func(f string) time.Time {
		v, _ := strconv.ParseInt(m[f], 10, 64)
		return time.UnixMilli(v)
	}
	return consentState{Status: m["status"], ConsentID: m["consentId"], At: ms("at"), EventID: m["eventId"], Checked: ms("checked")}, true, nil
}

// consentRefusal returns the refusal of a refresh of userID's connections
// when their consent ended, else nil. With Config.ConsentLookup (API 3.0
// only) a state older than it, or none, is first read from Basiq.
func (h *handlers) consentRefusal(ctx context.Context, userID string) error {
	s, ok, err := h.loadConsent(ctx, userID)
	if err != nil {
		return err
	}
	if h.consentLookup > 0 && h.apiVersion == apiConsent && (!ok || h.now().Sub(s.Checked) >= h.consentLookup) {
		if s, err = h.lookupConsent(ctx, userID); err != nil {
			return err
		}
	}
	if !s.ended() {
		return nil
	}
	return &refusal{outcome: tasks.OutcomeFailed, info: consentEndedError(userID, s)}
}

// lookupConsent reads userID's consents from Basiq and records their state:
// active when one is, else the newest one's.
func (h *handlers) lookupConsent(ctx context.Context, userID string) (consentState, error) {
	list, err := h.basiq.Consents(ctx, userID)
	if err != nil {
		return consentState{}, fmt.Errorf("consents of user %s: %w", userID, err)
	}
	s := consentState{Status: consentNone, Checked: h.now()}
	for _, c := range list {
		switch {
		case c.Status == sdk.ConsentActive:
			s.Status, s.ConsentID, s.At = c.Status, c.ID, c.Updated
		case s.Status == consentNone || (s.Status != sdk.ConsentActive && c.Updated.After(s.At)):
			s.Status, s.ConsentID, s.At = c.Status, c.ID, c.Updated
		}
		if s.Status == sdk.ConsentActive {
			break
		}
	}
	stored, err := h.saveConsent(ctx, userID, s)
	if err != nil || stored {
		return s, err
	}
	// A newer state (from an event) is recorded: it stands.
	s, _, err = h.loadConsent(ctx, userID)
	return s, err
}

// consentEndedError is the error of a refresh not sent because the user's
// consent ended.
func consentEndedError(userID string, s consentState) *tasks.ErrorInfo {
	code, title := tasks.CodeConsentRevoked, "The user's consent was revoked"
	if s.Status == sdk.ConsentExpired {
		code, title = tasks.CodeConsentExpired, "The user's consent expired"
	}
	from := "Basiq's event " + s.EventID
	if s.EventID == "" {
		from = "GET /users/" + userID + "/consents"
	}
	return &tasks.ErrorInfo{Code: code, Title: title, Detail: fmt.Sprintf(
		"consent %s of user %s is %s since %s (%s); the refresh was not sent to Basiq. The user must consent again "+
			"in the Consent UI before their connections can be refreshed.", s.ConsentID, userID, s.Status, stamp(s.At), from)}
}
