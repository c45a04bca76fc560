package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Redis Cluster: REDIS_URL=redis-cluster://[user:pass@]host1:port,host2:port,...
// names some nodes of the cluster (go-redis learns the others from them).
// asynq's ParseRedisURI has no scheme for it, so it is parsed here.

func checkClusterURL(u *url.URL) error {
	if u.Host == "" {
		return errors.New("REDIS_URL: redis-cluster needs host:port[,host:port...]")
	}
	for _, addr := range strings.Split(u.Host, ",") {
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			return fmt.Errorf("REDIS_URL: redis-cluster node %q: want host:port", addr)
		}
	}
	if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
		return fmt.Errorf("REDIS_URL: redis-cluster has only database 0, got /%s", p)
	}
	return nil
}

func clusterConnOpt(raw string) asynq.RedisClusterClientOpt {
	u, err := url.Parse(raw)
	if err != nil {
		panic("config: REDIS_URL not validated: " + urlErr(err).Error())
	}
	o := asynq.RedisClusterClientOpt{Addrs: strings.Split(u.Host, ",")}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	return o
}

// clusterStateReload is how old go-redis lets its map of the cluster's
// slots grow before reading it again (CLUSTER SLOTS, once per process).
// go-redis's default is 60s, and a refused connection to a dead master does
// not trigger a reload: with it, every key of a killed master's slots failed
// for about a minute although its replica took over within 3s
// (internal/scaleout TestCluster/masterKilled).
const clusterStateReload = time.Second

// clusterClient is the go-redis client of o with poolSize connections per
// node (asynq's RedisClusterClientOpt has no pool size).
func clusterClient(o asynq.RedisClusterClientOpt, poolSize int) redis.UniversalClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: o.Addrs, Username: o.Username, Password: o.Password,
		MaxRedirects: o.MaxRedirects, PoolSize: poolSize, ClusterStateReloadInterval: clusterStateReload,
		ReadBufferSize: RedisBufferSize, WriteBufferSize: RedisBufferSize})
}
