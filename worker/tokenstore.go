package worker

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/redis/go-redis/v9"
)

// tokenLockTTL bounds how long a crashed refresher blocks the others.
const tokenLockTTL = 15 * time.Second

// TokenStore shares a Basiq access token between all worker processes of
// one API key through Redis, and serialises refreshes with a Redis lock.
// It implements sdk.TokenLocker. Keys are derived from a SHA-256
// fingerprint of the API key, never from the key itself.
type TokenStore struct {
	rdb     redis.UniversalClient
	key     string
	lockKey string
	obs     Observer
}

var _ sdk.TokenLocker = (*TokenStore)(nil)

// NewTokenStore returns the token store of apiKey in namespace.
func NewTokenStore(rdb redis.UniversalClient, namespace, apiKey string) *TokenStore {
	sum := sha256.Sum256([]byte(apiKey))
	fp := hex.EncodeToString(sum[:8])
	key := "{" + namespace + "}:basiq:token:" + fp
	return &TokenStore{rdb: rdb, key: key, lockKey: key + ":lock", obs: nopObserver{}}
}

// WithObserver makes the store count saved tokens (Observer.TokenRefreshed).
func (s *TokenStore) WithObserver(o Observer) *TokenStore {
	s.obs = observerOrNop(o)
	return s
}

type storedToken struct {
	AccessToken string    `json:"accessToken"`
	ExpiresAt   time.Time `json:"expiresAt"`
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
	if err := json.Unmarshal(b, &t); err != nil || t.AccessToken == "" {
		return sdk.Token{}, sdk.ErrNoToken
	}
	return sdk.Token{AccessToken: t.AccessToken, ExpiresAt: t.ExpiresAt}, nil
}

// Save stores t until it expires.
func (s *TokenStore) Save(ctx context.Context, t sdk.Token) error {
	ttl := time.Until(t.ExpiresAt)
	if ttl < time.Second {
		return nil // not worth sharing
	}
	b, err := json.Marshal(storedToken(t))
	if err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	if err := s.rdb.Set(ctx, s.key, b, ttl).Err(); err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	s.obs.TokenRefreshed()
	return nil
}

// unlockScript deletes the lock only if this holder still owns it.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// Lock takes the refresh lock (SET NX PX), waiting for it until ctx ends.
// The returned unlock releases it only if it is still this holder's.
func (s *TokenStore) Lock(ctx context.Context) (func(), error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("token lock: %w", err)
	}
	owner := hex.EncodeToString(raw[:])
	wait := 10 * time.Millisecond
	for {
		ok, err := s.rdb.SetNX(ctx, s.lockKey, owner, tokenLockTTL).Result()
		if err != nil {
			return nil, fmt.Errorf("token lock: %w", err)
		}
		if ok {
			return func() {
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
				defer cancel()
				_ = unlockScript.Run(ctx, s.rdb, []string{s.lockKey}, owner).Err()
			}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("token lock: %w", ctx.Err())
		case <-time.After(wait):
			wait = min(wait*2, 200*time.Millisecond)
		}
	}
}
