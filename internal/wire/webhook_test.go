package wire

import (
	"encoding/base64"
	"testing"
	"time"
)

func TestSignWebhook_standardWebhooksVector(t *testing.T) {
	// Test vector from the Standard Webhooks reference libraries.
	secret, err := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") // whsec_MfKQ...
	if err != nil {
		t.Fatal(err)
	}
	got := SignWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
