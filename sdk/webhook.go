package sdk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of a Basiq webhook delivery (Standard Webhooks).
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// DefaultWebhookTolerance is how far a delivery's timestamp may be from
// the receiver's clock, either way, before it is refused as a replay.
const DefaultWebhookTolerance = 5 * time.Minute

// maxWebhookBody bounds the body VerifyRequest reads.
const maxWebhookBody = 1 << 20

// Reasons a delivery is refused; every error of Verify wraps one of them.
var (
	// ErrWebhookHeaders: a webhook header is missing or malformed.
	ErrWebhookHeaders = errors.New("sdk: webhook: missing or malformed headers")
	// ErrWebhookTimestamp: the timestamp is outside the tolerance.
	ErrWebhookTimestamp = errors.New("sdk: webhook: timestamp outside the tolerance")
	// ErrWebhookSignature: no v1 signature matches any secret.
	ErrWebhookSignature = errors.New("sdk: webhook: no matching signature")
)

// WebhookVerifier checks that a webhook delivery comes from Basiq, as
// Standard Webhooks sign it: webhook-signature holds space-separated
// "v1,<base64 HMAC-SHA256>" signatures of "id.timestamp.body" under the
// secret, and webhook-timestamp (Unix seconds) must be within the
// tolerance of now. Give it every secret in use while rotating one: a
// delivery signed by any of them passes. Comparisons are constant-time.
// It is safe for concurrent use.
type WebhookVerifier struct {
	keys      [][]byte
	tolerance time.Duration
	now       func() time.Time
}

// NewWebhookVerifier returns a verifier for the secrets, each as Basiq
// shows it ("whsec_" and base64; the prefix may be left off).
func NewWebhookVerifier(secrets ...string) (*WebhookVerifier, error) {
	if len(secrets) == 0 {
		return nil, errors.New("sdk: webhook verifier: no secret")
	}
	v := &WebhookVerifier{tolerance: DefaultWebhookTolerance, now: time.Now}
	for i, s := range secrets {
		k, err := webhookKey(s)
		if err != nil {
			return nil, fmt.Errorf("sdk: webhook verifier: secret %d: %w", i+1, err)
		}
		v.keys = append(v.keys, k)
	}
	return v, nil
}

// webhookKey decodes a whsec_ secret to its HMAC key; the error never
// shows the secret.
func webhookKey(secret string) ([]byte, error) {
	b64 := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	if b64 == "" {
		return nil, errors.New("empty")
	}
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		if k, err = base64.RawStdEncoding.DecodeString(b64); err != nil {
			return nil, errors.New("not whsec_ followed by base64")
		}
	}
	return k, nil
}

// WithTolerance returns a copy of v accepting timestamps up to d away
// from now (d > 0).
func (v *WebhookVerifier) WithTolerance(d time.Duration) *WebhookVerifier {
	cp := *v
	if d > 0 {
		cp.tolerance = d
	}
	return &cp
}

// WithClock returns a copy of v that reads the time from now, for tests.
func (v *WebhookVerifier) WithClock(now func() time.Time) *WebhookVerifier {
	cp := *v
	if now != nil {
		cp.now = now
	}
	return &cp
}

// Verify checks a delivery's headers against its raw body, untouched
// (any change to the bytes breaks the signature).
func (v *WebhookVerifier) Verify(h http.Header, body []byte) error {
	id, ts := h.Get(HeaderWebhookID), h.Get(HeaderWebhookTimestamp)
	sigs := h.Get(HeaderWebhookSignature)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("%w: want %s, %s and %s", ErrWebhookHeaders, HeaderWebhookID, HeaderWebhookTimestamp, HeaderWebhookSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not Unix seconds", ErrWebhookHeaders, HeaderWebhookTimestamp, ts)
	}
	if skew := v.now().Sub(time.Unix(sec, 0)); skew > v.tolerance || skew < -v.tolerance {
		return fmt.Errorf("%w: %s is %s from now (tolerance %s)", ErrWebhookTimestamp, HeaderWebhookTimestamp, skew.Round(time.Second), v.tolerance)
	}
	for _, k := range v.keys {
		want := webhookMAC(k, id, ts, body)
		for sig := range strings.FieldsSeq(sigs) {
			ver, b64, ok := strings.Cut(sig, ",")
			if !ok || ver != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return ErrWebhookSignature
}

// VerifyRequest reads the request's body (up to 1 MiB), verifies it and
// returns it, so that a handler can decode it with DecodeEvent.
func (v *WebhookVerifier) VerifyRequest(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil {
		return nil, fmt.Errorf("sdk: webhook: read body: %w", err)
	}
	if len(body) > maxWebhookBody {
		return nil, fmt.Errorf("sdk: webhook: body over %d bytes", maxWebhookBody)
	}
	if err := v.Verify(r.Header, body); err != nil {
		return nil, err
	}
	return body, nil
}

// Event verifies the request and decodes its body into an Event.
func (v *WebhookVerifier) Event(r *http.Request) (*Event, error) {
	body, err := v.VerifyRequest(r)
	if err != nil {
		return nil, err
	}
	return DecodeEvent(body)
}

// SignWebhook returns the webhook-signature value ("v1,<base64>") that
// Basiq would send for the message id, timestamp and body under secret;
// for tests of webhook receivers and for senders of the same scheme.
func SignWebhook(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := webhookKey(secret)
	if err != nil {
		return "", fmt.Errorf("sdk: sign webhook: %w", err)
	}
	mac := webhookMAC(k, id, strconv.FormatInt(ts.Unix(), 10), body)
	return "v1," + base64.StdEncoding.EncodeToString(mac), nil
}

func webhookMAC(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return m.Sum(nil)
}
