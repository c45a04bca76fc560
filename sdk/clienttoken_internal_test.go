package sdk

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestClientTokens_sweep: a client serving many users keeps the sources
// whose token is still valid and drops the expired ones once past
// sweepAbove users.
func TestClientTokens_sweep(t *testing.T) {
	ct := newClientTokens(func(_ context.Context, id string) (Token, error) {
		return Token{AccessToken: "t-" + id, ExpiresAt: time.Now().Add(time.Hour)}, nil
	})
	for i := range sweepAbove {
		s := ct.source("u-" + strconv.Itoa(i))
		if i%2 == 0 { // half of them hold a live token, half an expired one
			s.set(Token{AccessToken: "live", ExpiresAt: time.Now().Add(time.Hour)})
		} else {
			s.set(Token{AccessToken: "old", ExpiresAt: time.Now().Add(-time.Second)})
		}
	}
	ct.source("one-more")
	if got, want := len(ct.byUser), sweepAbove/2+1; got != want {
		t.Fatalf("got %d sources after the sweep, want %d (the live ones and the new one)", got, want)
	}
	if ct.source("u-0").cached().AccessToken != "live" {
		t.Fatal("a live token was swept")
	}
}
