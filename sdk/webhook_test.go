package sdk_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// Standard Webhooks' published test vector: this secret, id, timestamp
// and body sign to this signature.
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

var vecTime = time.Unix(vecTS, 0)

func vecHeaders(sig string, ts int64) http.Header {
	h := http.Header{}
	h.Set("webhook-id", vecID)
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	h.Set("webhook-signature", sig)
	return h
}

func verifier(t *testing.T, now time.Time, secrets ...string) *sdk.WebhookVerifier {
	t.Helper()
	v, err := sdk.NewWebhookVerifier(secrets...)
	if err != nil {
		t.Fatal(err)
	}
	return v.WithClock(func() time.Time { return now })
}

func TestSignWebhook_vector(t *testing.T) {
	got, err := sdk.SignWebhook(vecSecret, vecID, vecTime, []byte(vecBody))
	if err != nil || got != vecSig {
		t.Fatalf("got %q, %v; want %q", got, err, vecSig)
	}
}

func TestWebhookVerifier_Verify(t *testing.T) {
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret, rotated out"))
	otherSig, _ := sdk.SignWebhook(other, vecID, vecTime, []byte(vecBody))
	tests := []struct {
		name    string
		secrets []string
		h       http.Header
		body    string
		now     time.Time
		want    error
	}{
		{"valid", []string{vecSecret}, vecHeaders(vecSig, vecTS), vecBody, vecTime, nil},
		{"secret without prefix", []string{strings.TrimPrefix(vecSecret, "whsec_")}, vecHeaders(vecSig, vecTS), vecBody, vecTime, nil},
		{"one of several signatures", []string{vecSecret}, vecHeaders("v1,bm90IGl0 "+otherSig+" "+vecSig, vecTS), vecBody, vecTime, nil},
		{"second secret during rotation", []string{other, vecSecret}, vecHeaders(vecSig, vecTS), vecBody, vecTime, nil},
		{"4m59s late", []string{vecSecret}, vecHeaders(vecSig, vecTS), vecBody, vecTime.Add(299 * time.Second), nil},
		{"4m59s early", []string{vecSecret}, vecHeaders(vecSig, vecTS), vecBody, vecTime.Add(-299 * time.Second), nil},
		{"wrong secret", []string{other}, vecHeaders(vecSig, vecTS), vecBody, vecTime, sdk.ErrWebhookSignature},
		{"body changed", []string{vecSecret}, vecHeaders(vecSig, vecTS), `{"test": 2432232315}`, vecTime, sdk.ErrWebhookSignature},
		{"body re-spaced", []string{vecSecret}, vecHeaders(vecSig, vecTS), `{"test":2432232314}`, vecTime, sdk.ErrWebhookSignature},
		{"id changed", []string{vecSecret}, func() http.Header { h := vecHeaders(vecSig, vecTS); h.Set("webhook-id", "msg_x"); return h }(), vecBody, vecTime, sdk.ErrWebhookSignature},
		{"timestamp changed within skew", []string{vecSecret}, vecHeaders(vecSig, vecTS+1), vecBody, vecTime, sdk.ErrWebhookSignature},
		{"other version only", []string{vecSecret}, vecHeaders(strings.Replace(vecSig, "v1,", "v2,", 1), vecTS), vecBody, vecTime, sdk.ErrWebhookSignature},
		{"no version", []string{vecSecret}, vecHeaders(strings.TrimPrefix(vecSig, "v1,"), vecTS), vecBody, vecTime, sdk.ErrWebhookSignature},
		{"5m01s late", []string{vecSecret}, vecHeaders(vecSig, vecTS), vecBody, vecTime.Add(301 * time.Second), sdk.ErrWebhookTimestamp},
		{"5m01s early", []string{vecSecret}, vecHeaders(vecSig, vecTS), vecBody, vecTime.Add(-301 * time.Second), sdk.ErrWebhookTimestamp},
		{"timestamp not a number", []string{vecSecret}, func() http.Header { h := vecHeaders(vecSig, vecTS); h.Set("webhook-timestamp", "soon"); return h }(), vecBody, vecTime, sdk.ErrWebhookHeaders},
		{"no signature", []string{vecSecret}, func() http.Header { h := vecHeaders(vecSig, vecTS); h.Del("webhook-signature"); return h }(), vecBody, vecTime, sdk.ErrWebhookHeaders},
		{"no id", []string{vecSecret}, func() http.Header { h := vecHeaders(vecSig, vecTS); h.Del("webhook-id"); return h }(), vecBody, vecTime, sdk.ErrWebhookHeaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifier(t, tt.now, tt.secrets...).Verify(tt.h, []byte(tt.body))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestWebhookVerifier_WithTolerance(t *testing.T) {
	v := verifier(t, vecTime.Add(time.Minute), vecSecret)
	if err := v.WithTolerance(30*time.Second).Verify(vecHeaders(vecSig, vecTS), []byte(vecBody)); !errors.Is(err, sdk.ErrWebhookTimestamp) {
		t.Fatalf("30s tolerance, 1m late: got %v, want ErrWebhookTimestamp", err)
	}
	if err := v.Verify(vecHeaders(vecSig, vecTS), []byte(vecBody)); err != nil {
		t.Fatalf("the original keeps its 5m tolerance: got %v", err)
	}
}

func TestNewWebhookVerifier_badSecrets(t *testing.T) {
	for _, secrets := range [][]string{nil, {""}, {"whsec_"}, {"whsec_not base64!"}, {vecSecret, "whsec_%%%"}} {
		_, err := sdk.NewWebhookVerifier(secrets...)
		if err == nil {
			t.Errorf("%q: got nil error, want one", secrets)
			continue
		}
		if strings.Contains(err.Error(), "%%%") || strings.Contains(err.Error(), "not base64!") {
			t.Errorf("%q: error %q shows the secret", secrets, err)
		}
	}
}

func TestWebhookVerifier_Event(t *testing.T) {
	body := `{"eventTypeId":"connection.created","eventId":"ev-1","links":{"event":"https://au-api.basiq.io/events/ev-1","eventEntity":"https://au-api.basiq.io/users/u-1/connections/c-1"}}`
	now := time.Now()
	sig, err := sdk.SignWebhook(vecSecret, "msg-1", now, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/hook", strings.NewReader(body))
	r.Header.Set("webhook-id", "msg-1")
	r.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	r.Header.Set("webhook-signature", sig)
	v, _ := sdk.NewWebhookVerifier(vecSecret)
	ev, err := v.Event(r)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != sdk.EventConnectionCreated || ev.UserID != "u-1" || ev.ConnectionID() != "c-1" {
		t.Fatalf("got %+v, want connection.created of u-1's c-1", ev)
	}
	big := httptest.NewRequest("POST", "/hook", bytes.NewReader(make([]byte, 2<<20)))
	if _, err := v.VerifyRequest(big); err == nil || !strings.Contains(err.Error(), "over") {
		t.Fatalf("2 MiB body: got %v, want a size error", err)
	}
}

// FuzzWebhookVerify: no input panics; what SignWebhook signs verifies;
// a body changed by one byte never does.
func FuzzWebhookVerify(f *testing.F) {
	f.Add(vecID, int64(vecTS), []byte(vecBody), vecSig, byte(0))
	f.Add("", int64(0), []byte{}, "v1,", byte(1))
	f.Add("id", int64(-1), []byte("{}"), "v1,AAAA v1 ,, v2,x", byte(255))
	v, err := sdk.NewWebhookVerifier(vecSecret)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id string, ts int64, body []byte, sig string, flip byte) {
		at := time.Unix(ts, 0)
		fixed := v.WithClock(func() time.Time { return at })
		h := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(ts, 10)}, "Webhook-Signature": {sig}}
		_ = fixed.Verify(h, body) // must not panic
		good, err := sdk.SignWebhook(vecSecret, id, at, body)
		if err != nil {
			t.Fatal(err)
		}
		h.Set("Webhook-Signature", good)
		err = fixed.Verify(h, body)
		if id != "" && err != nil {
			t.Fatalf("signed message refused: %v", err)
		}
		if len(body) > 0 {
			changed := append([]byte(nil), body...)
			changed[int(flip)%len(changed)] ^= 1 | flip
			if fixed.Verify(h, changed) == nil {
				t.Fatal("changed body accepted")
			}
		}
	})
}
