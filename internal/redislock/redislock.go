// Package redislock is a lease lock in Redis shared by the worker's processes:
// SET NX PX with a random owner token, so a crashed holder blocks the others
// for at most the lease, and a release deletes the lock only while its owner
// still holds it (a holder that outlived its lease never frees another's).
package redislock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrHeld is returned (wrapped) when another owner held the lock for the
// whole of the wait.
var ErrHeld = errors.New("held by another owner")

// releaseTimeout bounds a release, which runs even after the holder's
// context ended.
const releaseTimeout = 2 * time.Second

// release deletes the lock only if ARGV[1] still owns it.
var release = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`)

// Acquire takes the lock at key for the lease ttl. While another owner holds
// it, Acquire retries with a back-off from 10ms to 200ms until ctx ends or, when
// maxWait > 0, until maxWait has passed (then the error wraps ErrHeld).
// The returned unlock releases the lock if it is still this owner's; it is
// safe to call once the holder's context has ended.
func Acquire(ctx context.Context, rdb redis.Cmdable, key string, ttl, maxWait time.Duration) (unlock func(), err error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("lock owner token: %w", err)
	}
	owner := hex.EncodeToString(raw[:])
	var deadline time.Time
	if maxWait > 0 {
		deadline = time.Now().Add(maxWait)
	}
	backoff := 10 * time.Millisecond
	for {
		ok, err := rdb.SetNX(ctx, key, owner, ttl).Result()
		if err != nil {
			return nil, err
		}
		if ok {
			return func() {
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
				defer cancel()
				_ = release.Run(ctx, rdb, []string{key}, owner).Err()
			}, nil
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return nil, fmt.Errorf("%w for over %s", ErrHeld, maxWait)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff):
			backoff = min(backoff*2, 200*time.Millisecond)
		}
	}
}
