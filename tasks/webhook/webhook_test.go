package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
)

func TestVerifyWebhook(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"type":"result"}`)
	signed := func(ts time.Time, body []byte) http.Header {
		h := http.Header{}
		wire.SetWebhookHeaders(h, secret, "evt_1", ts, body)
		return h
	}
	multi := signed(now, body)
	multi.Set(wire.HeaderWebhookSignature, "v1,bm9wZQ== v2,xyz "+multi.Get(wire.HeaderWebhookSignature))
	for _, tc := range []struct {
		name   string
		header http.Header
		body   []byte
		want   error
	}{
		{"valid", signed(now, body), body, nil},
		{"valid within tolerance", signed(now.Add(-4*time.Minute), body), body, nil},
		{"one of several signatures", multi, body, nil},
		{"stale timestamp", signed(now.Add(-6*time.Minute), body), body, ErrTimestamp},
		{"future timestamp", signed(now.Add(6*time.Minute), body), body, ErrTimestamp},
		{"tampered body", signed(now, body), []byte(`{"type":"resulT"}`), ErrSignature},
		{"missing header", http.Header{}, body, ErrMissingHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(secret, tc.header, tc.body, now, 0)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseWebhookSecret_errors(t *testing.T) {
	for _, s := range []string{"", "whsec_", "whsec_!!!!", "whsec_" + base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, err := ParseSecret(s); err == nil {
			t.Errorf("ParseSecret(%q): got nil error", s)
		}
	}
}
