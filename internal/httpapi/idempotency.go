package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
)

// idempotency remembers, per task type and Idempotency-Key, an HMAC of the
// canonical request body, so that the same key with another body is told
// apart (409) from a retry. The body itself, which may hold credentials,
// is never stored; the HMAC key is the server's (Options.IdempotencySecret),
// so the stored value cannot be tested against guessed passwords.
type idempotency struct {
	rdb    redis.UniversalClient
	ns     string
	secret []byte
	ttl    time.Duration
}

// redisKey is where the body hash of (taskType, key) is kept.
func (s *idempotency) redisKey(taskType, key string) string {
	sum := sha256.Sum256([]byte(taskType + "\x00" + key))
	return "{" + s.ns + "}:api:idempotency:" + hex.EncodeToString(sum[:])
}

// canonical is the HMAC of the re-encoded request: field order and
// white space of the client's JSON do not matter.
func (s *idempotency) canonical(route string, req any) (string, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("canonical body: %w", err)
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(route + "\x00"))
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil)), nil
}

// check records the body of (taskType, key) the first time and answers a
// 409 problem when a later request under that key has another body.
func (s *idempotency) check(ctx context.Context, taskType, key, route string, req any) *Problem {
	sum, err := s.canonical(route, req)
	if err != nil {
		return internal(err)
	}
	rk := s.redisKey(taskType, key)
	first, err := s.rdb.SetNX(ctx, rk, sum, s.ttl).Result()
	if err != nil {
		return unavailable(err)
	}
	if first {
		return nil
	}
	prev, err := s.rdb.Get(ctx, rk).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return nil // expired in between: the key is free again
	case err != nil:
		return unavailable(err)
	case !hmac.Equal([]byte(prev), []byte(sum)):
		p := problem(http.StatusConflict, "idempotency-key-reused", "Conflict",
			"this Idempotency-Key was used with another request body")
		p.InvalidParams = []InvalidParam{{Name: "Idempotency-Key", Reason: "already used with another body"}}
		return p
	}
	return nil
}

// internal is the 500 answer; the cause is logged, not shown.
func internal(err error) *Problem {
	p := problem(http.StatusInternalServerError, "internal", "Internal Server Error", "")
	p.cause = err
	return p
}

// unavailable is the 503 answer when Redis cannot be reached.
func unavailable(err error) *Problem {
	p := problem(http.StatusServiceUnavailable, "unavailable", "Service Unavailable", "the queue cannot be reached; retry later")
	p.cause = err
	return p
}
