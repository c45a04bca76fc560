package config

import (
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

// redisClient returns a client of raw; poolSize > 0 overrides go-redis's
// default pool (10 connections per CPU).
func redisClient(raw string, poolSize int) redis.UniversalClient {
	opt := redisConnOpt(raw)
	if o, ok := opt.(asynq.RedisClusterClientOpt); ok {
		return clusterClient(o, poolSize)
	}
	if poolSize > 0 {
		switch o := opt.(type) {
		case asynq.RedisClientOpt:
			o.PoolSize, opt = poolSize, o
		case asynq.RedisFailoverClientOpt:
			o.PoolSize, opt = poolSize, o
		}
	}
	return opt.MakeRedisClient().(redis.UniversalClient)
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
