// Package asynqconn hands a process's one go-redis client to code that
// takes only an asynq.RedisConnOpt (asynqmon.New; tasks.NewClient), so that
// a process opens one Redis pool. Everything else takes the client itself
// (asynq's New*FromRedisClient constructors).
package asynqconn

import (
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Shared is a RedisConnOpt whose MakeRedisClient returns rdb itself. What
// is made from it is the shared client: whoever closes that (asynqmon's
// Close, an asynq.Client made with asynq.NewClient) closes rdb, so only its
// owner may.
func Shared(rdb redis.UniversalClient) asynq.RedisConnOpt { return shared{rdb} }

type shared struct{ rdb redis.UniversalClient }

// MakeRedisClient returns the shared client.
func (s shared) MakeRedisClient() any { return s.rdb }
