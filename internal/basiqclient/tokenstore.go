package basiqclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/basiq-worker/basiq-worker/internal/sealing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/internal/redislock"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// tokenLockTTL bounds how long a crashed refresher blocks the others.
const tokenLockTTL = 15 * time.Second

// Observer counts the tokens saved to the shared store; worker.Observer
// (metrics.Metrics) implements it.
type Observer interface{ TokenRefreshed() }

type nopObserver struct{}

func (nopObserver) TokenRefreshed() {}

// TokenStore shares a Basiq access token between all worker processes of
// one API key through Redis, and serialises refreshes with a Redis lock.
// It implements sdk.TokenLocker. Keys are derived from a SHA-256
// fingerprint of the API key, never from the key itself. With WithKeyring
// the token is sealed in Redis, so that reading Redis does not give a
// token that can read every user's bank data.
type TokenStore struct {
	rdb     redis.UniversalClient
	key     string
	lockKey string
	obs     Observer
	keyring *tasks.Keyring
}

var _ sdk.TokenLocker = (*TokenStore)(nil)

// NewTokenStore returns the token store of apiKey in namespace (its key
// is keys.Token).
func NewTokenStore(rdb redis.UniversalClient, namespace, apiKey string) *TokenStore {
	key := keys.Token(namespace, apiKey)
	return &TokenStore{rdb: rdb, key: key, lockKey: key + ":lock", obs: nopObserver{}}
}

// WithObserver makes the store count saved tokens (Observer.TokenRefreshed).
func (s *TokenStore) WithObserver(o Observer) *TokenStore {
	s.obs = o
	if o == nil {
		s.obs = nopObserver{}
	}
	return s
}

// WithKeyring seals the token with k (bound to the store's Redis key) and
// loads only tokens sealed by a key of k: a plaintext or unopenable token
// counts as no token, so the next call fetches a new one. Every process
// sharing the store needs it.
func (s *TokenStore) WithKeyring(k *tasks.Keyring) *TokenStore {
	s.keyring = k
	return s
}

type storedToken struct {
	AccessToken string    `json:"accessToken,omitempty"`
	ExpiresAt   time.Time `json:"expiresAt"`
	// Sealed holds the access token when the store has a keyring.
	Sealed *wire.Sealed `json:"sealed,omitempty"`
}

// open returns the access token of t, or "" when it cannot be used.
func (s *TokenStore) open(t storedToken) string {
	if s.keyring == nil {
		return t.AccessToken
	}
	if t.Sealed == nil {
		return ""
	}
	b, err := (*sealing.Keyring)(s.keyring).Open(*t.Sealed, []byte(s.key))
	if err != nil {
		return ""
	}
	return string(b)
}

// seal returns t as stored: sealed when the store has a keyring.
func (s *TokenStore) seal(t sdk.Token) (storedToken, error) {
	if s.keyring == nil {
		return storedToken{AccessToken: t.AccessToken, ExpiresAt: t.ExpiresAt}, nil
	}
	sealed, err := (*sealing.Keyring)(s.keyring).Seal([]byte(t.AccessToken), []byte(s.key))
	if err != nil {
		return storedToken{}, err
	}
	return storedToken{ExpiresAt: t.ExpiresAt, Sealed: &sealed}, nil
}

// Load returns the stored token, or sdk.ErrNoToken.
func (s *TokenStore) Load(ctx context.Context) (sdk.Token, error) {
	b, err := s.rdb.Get(ctx, s.key).Bytes()
	if errors.Is(err, redis.Nil) {
		return sdk.Token{}, sdk.ErrNoToken
	}
	if err != nil {
		return sdk.Token{}, fmt.Errorf("token store: %w", err)
	}
	var t storedToken
	if err := json.Unmarshal(b, &t); err != nil {
		return sdk.Token{}, sdk.ErrNoToken
	}
	access := s.open(t)
	if access == "" {
		return sdk.Token{}, sdk.ErrNoToken
	}
	return sdk.Token{AccessToken: access, ExpiresAt: t.ExpiresAt}, nil
}

// Save stores t until it expires.
func (s *TokenStore) Save(ctx context.Context, t sdk.Token) error {
	ttl := time.Until(t.ExpiresAt)
	if ttl < time.Second {
		return nil // not worth sharing
	}
	st, err := s.seal(t)
	if err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	if err := s.rdb.Set(ctx, s.key, b, ttl).Err(); err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	s.obs.TokenRefreshed()
	return nil
}

// Lock takes the refresh lock, waiting for it until ctx ends.
// The returned unlock releases it only if it is still this holder's.
func (s *TokenStore) Lock(ctx context.Context) (func(), error) {
	unlock, err := redislock.Acquire(ctx, s.rdb, s.lockKey, tokenLockTTL, 0)
	if err != nil {
		return nil, fmt.Errorf("token lock: %w", err)
	}
	return unlock, nil
}
