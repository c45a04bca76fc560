package keys

import (
	"strings"
	"testing"
)

// TestKeys pins every key to the string workers before this package wrote,
// so that data already in Redis stays readable.
func TestKeys(t *testing.T) {
	const apiKey = "an-api-key"
	fp := Fingerprint(apiKey)
	if fp != "31fd29a009954184" {
		t.Errorf("Fingerprint = %q, want 31fd29a009954184 (the first 8 bytes of SHA-256, hex)", fp)
	}
	for _, tc := range []struct{ got, want string }{
		{Start("ns", "connection:create:k1"), "{ns}:worker:start:connection:create:k1"},
		{MFA("ns", "t-1"), "{ns}:worker:mfa:t-1"},
		{Follow("ns", "j-1"), "{ns}:worker:follow:j-1"},
		{Waiters("ns", "j-1"), "{ns}:worker:follow:j-1:waiters"},
		{Followed("ns"), "{ns}:worker:followed"},
		{FollowedState("ns"), "{ns}:worker:followed:state"},
		{BasiqHook("ns", "msg_1"), "{ns}:worker:basiq-hook:msg_1"},
		{RateLimit("ns", apiKey), "{ns}:worker:ratelimit:" + fp + ":"},
		{Token("ns", apiKey), "{ns}:basiq:token:" + fp},
		{Consent("ns", "u-1"), "{ns}:worker:consent:u-1"},
		{Refreshes("ns", "c-1"), "{ns}:worker:refreshes:c-1"},
		{Purged("ns", "ev-1"), "{ns}:worker:purged:ev-1"},
		{BasiqWebhook("ns", "https://w.example/hooks"), "{ns}:worker:basiq-webhook:" + Fingerprint("https://w.example/hooks")},
		{BasiqWebhookLock("ns", "https://w.example/hooks"), "{ns}:worker:basiq-webhook:" + Fingerprint("https://w.example/hooks") + ":lock"},
	} {
		if tc.got != tc.want {
			t.Errorf("key = %q, want %q", tc.got, tc.want)
		}
	}
	if strings.Contains(Token("ns", apiKey)+RateLimit("ns", apiKey), apiKey) {
		t.Error("a key holds the API key itself")
	}
}
