package worker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/redis/go-redis/v9"
)

func TestTokenStore(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	const apiKey = "c2VjcmV0LWFwaS1rZXk="
	s := NewTokenStore(rdb, "ns", apiKey)

	if _, err := s.Load(ctx); !errors.Is(err, sdk.ErrNoToken) {
		t.Fatalf("Load on empty store = %v, want ErrNoToken", err)
	}
	want := sdk.Token{AccessToken: "tok-1", ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Millisecond)}
	if err := s.Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := NewTokenStore(rdb, "ns", apiKey).Load(ctx) // another process
	if err != nil || got.AccessToken != want.AccessToken || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("Load = %v, %v; want %v", got, err, want)
	}
	if _, err := NewTokenStore(rdb, "ns", "other-key").Load(ctx); !errors.Is(err, sdk.ErrNoToken) {
		t.Errorf("another API key sees the token: %v", err)
	}
	for _, k := range mr.Keys() {
		if strings.Contains(k, apiKey) {
			t.Errorf("key %q holds the API key", k)
		}
	}
	if ttl := mr.TTL(s.key); ttl <= 0 || ttl > time.Hour {
		t.Errorf("token TTL = %v, want until expiry", ttl)
	}
}

func TestTokenStore_Lock(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	a, b := NewTokenStore(rdb, "ns", "k"), NewTokenStore(rdb, "ns", "k")

	unlockA, err := a.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := b.Lock(ctx); err == nil {
		t.Fatal("second Lock succeeded while the first is held")
	}
	unlockA()
	unlockB, err := b.Lock(context.Background())
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlockA() // a stale unlock must not release b's lock
	if !mr.Exists(b.lockKey) {
		t.Error("a stale unlock released another holder's lock")
	}
	unlockB()
	if mr.Exists(b.lockKey) {
		t.Error("unlock left the lock")
	}
}
