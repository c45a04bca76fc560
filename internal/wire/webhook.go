package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"
)

// Standard Webhooks header names.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// SignWebhook returns the Standard Webhooks signature "v1,<base64 HMAC-SHA256>"
// of id + "." + unix seconds of ts + "." + body.
func SignWebhook(secret []byte, id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(WebhookMAC(secret, id, ts.Unix(), body))
}

// WebhookMAC is the HMAC-SHA256 that a Standard Webhooks v1 signature
// encodes: of id + "." + unix + "." + body.
func WebhookMAC(secret []byte, id string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(id + "." + strconv.FormatInt(unix, 10) + "."))
	m.Write(body)
	return m.Sum(nil)
}

// SetWebhookHeaders sets the webhook-id, webhook-timestamp and webhook-signature headers on h.
func SetWebhookHeaders(h http.Header, secret []byte, id string, ts time.Time, body []byte) {
	h.Set(HeaderWebhookID, id)
	h.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderWebhookSignature, SignWebhook(secret, id, ts, body))
}
