// Package asynqconn builds asynq's clients, servers and inspectors on a
// process's one go-redis client, or on a RedisConnOpt of their own when a
// caller still passes one, so that a process opens one Redis pool.
//
// asynq refuses to close what it did not open (a Client or Inspector made
// FromRedisClient returns an error from Close): the close functions
// returned here close only what they opened, and the owner of the shared
// client closes it last.
package asynqconn

import (
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Client returns an asynq client on opt, or on rdb when opt is nil, and the
// function that releases it.
func Client(opt asynq.RedisConnOpt, rdb redis.UniversalClient) (*asynq.Client, func()) {
	if opt != nil {
		c := asynq.NewClient(opt)
		return c, func() { _ = c.Close() }
	}
	return asynq.NewClientFromRedisClient(rdb), func() {}
}

// Server returns an asynq server on opt, or on rdb when opt is nil.
// Shutdown releases what it opened.
func Server(opt asynq.RedisConnOpt, rdb redis.UniversalClient, cfg asynq.Config) *asynq.Server {
	if opt != nil {
		return asynq.NewServer(opt, cfg)
	}
	return asynq.NewServerFromRedisClient(rdb, cfg)
}

// Inspector returns an asynq inspector on opt, or on rdb when opt is nil,
// and the function that releases it.
func Inspector(opt asynq.RedisConnOpt, rdb redis.UniversalClient) (*asynq.Inspector, func() error) {
	if opt != nil {
		i := asynq.NewInspector(opt)
		return i, i.Close
	}
	return asynq.NewInspectorFromRedisClient(rdb), func() error { return nil }
}

// Shared is a RedisConnOpt whose MakeRedisClient returns rdb itself, for
// code that takes only a RedisConnOpt (asynqmon.New). Whatever it makes is
// the shared client: never Close it (nor what asynqmon made from it) before
// its owner is done.
func Shared(rdb redis.UniversalClient) asynq.RedisConnOpt { return shared{rdb} }

type shared struct{ rdb redis.UniversalClient }

// MakeRedisClient returns the shared client.
func (s shared) MakeRedisClient() any { return s.rdb }
