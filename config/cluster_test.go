package config

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisURL_cluster(t *testing.T) {
	for _, tc := range []struct{ url, wantErr string }{
		{"redis-cluster://n1:7000,n2:7001", ""},
		{"redis-cluster://u:pw@n1:7000/0", ""},
		{"redis-cluster://", "REDIS_URL: redis-cluster needs host:port"},
		{"redis-cluster://n1:7000,n2", `REDIS_URL: invalid port`},
		{"redis-cluster://n1:7000/2", "REDIS_URL: redis-cluster has only database 0, got /2"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			err := checkRedisURL(tc.url)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("checkRedisURL(%q) = %v, want %q", tc.url, err, tc.wantErr)
			}
		})
	}
	rdb := redisClient("redis-cluster://u:pw@n1:7000,n2:7001", 7)
	defer rdb.Close()
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		t.Fatalf("redisClient(redis-cluster://...) = %T, want *redis.ClusterClient", rdb)
	}
	if o := cc.Options(); strings.Join(o.Addrs, ",") != "n1:7000,n2:7001" || o.Username != "u" || o.Password != "pw" || o.PoolSize != 7 || o.ClusterStateReloadInterval != time.Second {
		t.Errorf("cluster options = addrs %v user %q password %q pool %d reload %v, want n1:7000,n2:7001 u pw 7 1s", o.Addrs, o.Username, o.Password, o.PoolSize, o.ClusterStateReloadInterval)
	}
	if got := redactURL("redis-cluster://u:pw@n1:7000,n2:7001"); strings.Contains(got, "pw") {
		t.Errorf("redactURL kept the password: %s", got)
	}
}
