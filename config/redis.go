package config

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

func checkRedisURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %v", urlErr(err))
	}
	switch u.Scheme {
	case "redis", "rediss", "redis-sentinel":
	case "redis-cluster":
		return checkClusterURL(u)
	default:
		return fmt.Errorf("REDIS_URL: scheme must be redis, rediss, redis-sentinel or redis-cluster, got %q", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("REDIS_URL: host required")
	}
	if u.Scheme == "redis-sentinel" && u.Query().Get("master") == "" {
		return errors.New("REDIS_URL: redis-sentinel needs ?master=NAME")
	}
	if _, err := asynq.ParseRedisURI(raw); err != nil {
		return fmt.Errorf("REDIS_URL: %v", urlErr(err))
	}
	return nil
}

func redisConnOpt(raw string) asynq.RedisConnOpt {
	if strings.HasPrefix(raw, "redis-cluster:") {
		return clusterConnOpt(raw)
	}
	opt, err := asynq.ParseRedisURI(raw)
	if err != nil {
		panic("config: REDIS_URL not validated: " + urlErr(err).Error())
	}
	return opt
}

// RedisBufferSize is the read buffer and the write buffer of each Redis
// connection, and of go-redis's pipeline pool's. go-redis's defaults are
// 32 KiB each (128 KiB in the pipeline pool): 64 KiB per connection, and a
// worker's pool holds twice its slots. Its commands are far smaller (a poll
// state or a result is about 1 KiB); a larger reply or argument is read or
// written past the buffer, straight from or to the socket. At 10,000
// connections at once (basiq-bench, 128 slots) the worker's peak RSS fell
// from 55-60 MB to 40 MB with no change in CPU per job (worker/doc.go,
// "Worker memory").
const RedisBufferSize = 4 << 10

// redisClient returns a client of raw; poolSize > 0 overrides go-redis's
// default pool (10 connections per CPU). Its connections have
// RedisBufferSize buffers.
func redisClient(raw string, poolSize int) redis.UniversalClient {
	opt := redisConnOpt(raw)
	if o, ok := opt.(asynq.RedisClusterClientOpt); ok {
		return clusterClient(o, poolSize)
	}
	u := universalOptions(raw, opt)
	u.PoolSize = cmp.Or(poolSize, u.PoolSize)
	u.ReadBufferSize, u.WriteBufferSize = RedisBufferSize, RedisBufferSize
	u.PipelineReadBufferSize, u.PipelineWriteBufferSize = RedisBufferSize, RedisBufferSize
	return redis.NewUniversalClient(u)
}

// universalOptions are asynq's options of a redis(s):// or
// redis-sentinel:// URL as go-redis's: a single node, or a master found
// through the sentinels (MasterName set).
func universalOptions(raw string, opt asynq.RedisConnOpt) *redis.UniversalOptions {
	switch o := opt.(type) {
	case asynq.RedisFailoverClientOpt:
		return &redis.UniversalOptions{MasterName: o.MasterName, Addrs: o.SentinelAddrs,
			SentinelUsername: o.SentinelUsername, SentinelPassword: o.SentinelPassword, Username: o.Username,
			Password: o.Password, DB: o.DB, DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout,
			WriteTimeout: o.WriteTimeout, PoolSize: o.PoolSize, TLSConfig: o.TLSConfig}
	case asynq.RedisClientOpt:
		if u, err := url.Parse(raw); err == nil && u.User != nil && o.Username == "" {
			o.Username = u.User.Username() // an ACL user: asynq's parser keeps only the password
		}
		return &redis.UniversalOptions{Addrs: []string{o.Addr}, Username: o.Username, Password: o.Password,
			DB: o.DB, DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			PoolSize: o.PoolSize, TLSConfig: o.TLSConfig}
	}
	panic(fmt.Sprintf("config: REDIS_URL %s gives %T", redactURL(raw), opt))
}

func checkNamespace(ns string) error {
	if ns == "" || strings.ContainsAny(ns, "{}: \t") {
		return fmt.Errorf("REDIS_NAMESPACE: must be non-empty without braces, colons or spaces, got %q", ns)
	}
	return nil
}

func parseKeyring(spec string) (*tasks.Keyring, error) {
	k, err := tasks.ParseKeyring(spec)
	if err != nil {
		return nil, fmt.Errorf("BASIQ_SECRET_KEY: %v", err)
	}
	return k, nil
}
