package config

import (
	"context"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/redis/go-redis/v9"
)

// TestRedisClient_options checks what redisClient keeps of REDIS_URL (an
// ACL user too) and what it sets itself (pool, buffers), for each kind of URL.
func TestRedisClient_options(t *testing.T) {
	for _, tc := range []struct {
		url                string
		pool               int
		addr, user, pw     string
		db, wantPool       int
		pipelineBuffersSet bool
	}{
		{url: "redis://u:pw@h1:6380/3", pool: 40, addr: "h1:6380", user: "u", pw: "pw", db: 3, wantPool: 40, pipelineBuffersSet: true},
		{url: "redis://h1:6380", addr: "h1:6380", wantPool: 0, pipelineBuffersSet: true},
		// asynq's parser gives a sentinel URL's password to the sentinels.
		{url: "redis-sentinel://:pw@s1:26379,s2:26379?master=m", pool: 9, wantPool: 9, pipelineBuffersSet: true},
	} {
		t.Run(tc.url, func(t *testing.T) {
			rdb := redisClient(tc.url, tc.pool)
			t.Cleanup(func() { rdb.Close() })
			c, ok := rdb.(*redis.Client)
			if !ok {
				t.Fatalf("redisClient(%q) = %T, want *redis.Client", tc.url, rdb)
			}
			o := c.Options()
			if tc.addr != "" && o.Addr != tc.addr {
				t.Errorf("Addr = %q, want %q", o.Addr, tc.addr)
			}
			if o.Username != tc.user || o.Password != tc.pw || o.DB != tc.db {
				t.Errorf("user %q password set %v db %d, want %q %v %d", o.Username, o.Password != "", o.DB, tc.user, tc.pw != "", tc.db)
			}
			if tc.wantPool != 0 && o.PoolSize != tc.wantPool {
				t.Errorf("PoolSize = %d, want %d", o.PoolSize, tc.wantPool)
			}
			if o.ReadBufferSize != RedisBufferSize || o.WriteBufferSize != RedisBufferSize {
				t.Errorf("buffers = read %d write %d, want %d each", o.ReadBufferSize, o.WriteBufferSize, RedisBufferSize)
			}
			if tc.pipelineBuffersSet && (o.PipelineReadBufferSize != RedisBufferSize || o.PipelineWriteBufferSize != RedisBufferSize) {
				t.Errorf("pipeline buffers = read %d write %d, want %d each", o.PipelineReadBufferSize, o.PipelineWriteBufferSize, RedisBufferSize)
			}
		})
	}
	cc := redisClient("redis-cluster://n1:7000,n2:7001", 7).(*redis.ClusterClient)
	t.Cleanup(func() { cc.Close() })
	if o := cc.Options(); o.ReadBufferSize != RedisBufferSize || o.WriteBufferSize != RedisBufferSize {
		t.Errorf("cluster buffers = read %d write %d, want %d each", o.ReadBufferSize, o.WriteBufferSize, RedisBufferSize)
	}
}

// TestRedisClient_largeValues round-trips values and pipelines far larger
// than RedisBufferSize through a real Redis: the small buffers only bound
// what is buffered, not what a command or a reply may hold.
func TestRedisClient_largeValues(t *testing.T) {
	testredis.Client(t) // skips, or fails in CI, without a Redis
	rdb := redisClient("redis://"+testredis.Addr(), 4)
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	key := testredis.Name(t, "config") + ":big"
	t.Cleanup(func() { rdb.Del(context.Background(), key, key+":h") })
	big := make([]byte, 300<<10)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	if err := rdb.Set(ctx, key, big, 0).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := rdb.Get(ctx, key).Bytes()
	if err != nil || string(got) != string(big) {
		t.Fatalf("GET of a %d-byte value: %d bytes, err %v", len(big), len(got), err)
	}
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range 500 {
			p.HSet(ctx, key+":h", i, big[:2000])
		}
		p.HGetAll(ctx, key+":h")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := cmds[len(cmds)-1].(*redis.MapStringStringCmd).Val(); len(m) != 500 || m["499"] != string(big[:2000]) {
		t.Fatalf("pipelined HGETALL: %d fields", len(m))
	}
}
