// Package webhook verifies, on the app's side, the webhooks basiq-worker
// sends (WEBHOOK_URL): one signed POST per result, under the Standard
// Webhooks scheme (headers webhook-id, webhook-timestamp and
// webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>").
//
//	secret, err := webhook.ParseSecret(os.Getenv("WEBHOOK_SECRET"))
//	...
//	err = webhook.Verify(secret, r.Header, body, time.Now(), 0)
//
// Deduplicate on the webhook-id: a delivery may come twice.
package webhook

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
)

// DefaultTolerance is the accepted clock difference for Verify.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify; check them with errors.Is.
var (
	ErrMissingHeader = errors.New("webhook: missing header")
	ErrTimestamp     = errors.New("webhook: timestamp outside tolerance")
	ErrSignature     = errors.New("webhook: no matching signature")
)

const webhookSecretPrefix = "whsec_"

// ParseSecret decodes a secret "whsec_<base64>" (or bare base64).
// The error never contains the secret.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), webhookSecretPrefix)
	if s == "" {
		return nil, errors.New("webhook secret: empty")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) < 16 {
				return nil, fmt.Errorf("webhook secret: want at least 16 bytes, got %d", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("webhook secret: not valid base64 (want whsec_<base64>)")
}

// Verify checks the Standard Webhooks headers of a delivery: the
// timestamp must be within tolerance of now (tolerance <= 0 means
// DefaultTolerance) and one of the space-separated v1 signatures must
// match (constant-time compare).
func Verify(secret []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	id, tsText, sigs := header.Get(wire.HeaderWebhookID), header.Get(wire.HeaderWebhookTimestamp), header.Get(wire.HeaderWebhookSignature)
	for _, h := range [][2]string{{wire.HeaderWebhookID, id}, {wire.HeaderWebhookTimestamp, tsText}, {wire.HeaderWebhookSignature, sigs}} {
		if h[1] == "" {
			return fmt.Errorf("%w %s", ErrMissingHeader, h[0])
		}
	}
	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not unix seconds", ErrTimestamp, wire.HeaderWebhookTimestamp, tsText)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: %s is %s from now, tolerance %s", ErrTimestamp, wire.HeaderWebhookTimestamp, d.Round(time.Second), tolerance)
	}
	want := wire.WebhookMAC(secret, id, unix, body)
	for _, sig := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue
		}
		if got, err := base64.StdEncoding.DecodeString(b64); err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrSignature
}
