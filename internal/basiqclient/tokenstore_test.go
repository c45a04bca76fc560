package basiqclient

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
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

func TestTokenStore_WithKeyring(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	k1, k2 := bytes.Repeat([]byte{1}, tasks.KeySize), bytes.Repeat([]byte{2}, tasks.KeySize)
	old, _ := tasks.NewKeyring("k1", map[string][]byte{"k1": k1})
	rotated, _ := tasks.NewKeyring("k2", map[string][]byte{"k1": k1, "k2": k2})
	other, _ := tasks.NewKeyring("k2", map[string][]byte{"k2": k2})
	const access = "access-token-in-clear-9"
	want := sdk.Token{AccessToken: access, ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Millisecond)}
	if err := NewTokenStore(rdb, "ns", "key").WithKeyring(old).Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	s := NewTokenStore(rdb, "ns", "key")
	if raw, _ := mr.Get(s.key); strings.Contains(raw, access) || !strings.Contains(raw, `"kid":"k1"`) {
		t.Fatalf("stored token: got %s, want sealed with k1", raw)
	}
	for _, tc := range []struct {
		name    string
		store   *TokenStore
		wantErr error
	}{
		{"same keyring", NewTokenStore(rdb, "ns", "key").WithKeyring(old), nil},
		{"rotated keyring", NewTokenStore(rdb, "ns", "key").WithKeyring(rotated), nil},
		{"keyring without k1", NewTokenStore(rdb, "ns", "key").WithKeyring(other), sdk.ErrNoToken},
		{"no keyring", NewTokenStore(rdb, "ns", "key"), sdk.ErrNoToken},
	} {
		got, err := tc.store.Load(ctx)
		if !errors.Is(err, tc.wantErr) || (err == nil && got.AccessToken != access) {
			t.Errorf("%s: Load = %q, %v; want %q, %v", tc.name, got.AccessToken, err, access, tc.wantErr)
		}
	}
	// A token moved to another store's key does not open (bound to the key).
	raw, _ := mr.Get(s.key)
	moved := NewTokenStore(rdb, "ns2", "key").WithKeyring(old)
	mr.Set(moved.key, raw)
	if _, err := moved.Load(ctx); !errors.Is(err, sdk.ErrNoToken) {
		t.Errorf("token moved to another key: Load = %v, want ErrNoToken", err)
	}
	// A plaintext token is not trusted by a store with a keyring.
	if err := NewTokenStore(rdb, "ns", "key").Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTokenStore(rdb, "ns", "key").WithKeyring(old).Load(ctx); !errors.Is(err, sdk.ErrNoToken) {
		t.Errorf("plaintext token with a keyring: Load = %v, want ErrNoToken", err)
	}
}
