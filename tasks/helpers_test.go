package tasks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

const redisAddr = "127.0.0.1:6379"

// unique returns a name unique to this test run.
func unique(t *testing.T) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "test-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-" + hex.EncodeToString(b)
}

// setupRedis returns a client for the real Redis, skipping when it is down,
// and deletes every key matching the patterns when the test ends.
func setupRedis(t *testing.T, patterns ...string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Skipf("redis at %s: %v", redisAddr, err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		for _, p := range patterns {
			keys, _ := rdb.Keys(ctx, p).Result()
			if len(keys) > 0 {
				rdb.Del(ctx, keys...)
			}
		}
		rdb.Close()
	})
	return rdb
}

// setupQueue returns a unique asynq queue name whose keys are removed after the test.
func setupQueue(t *testing.T) (string, *redis.Client) {
	q := unique(t)
	rdb := setupRedis(t, "asynq:{"+q+"}:*")
	t.Cleanup(func() { rdb.SRem(context.Background(), "asynq:queues", q) })
	return q, rdb
}

func testKeyring(t *testing.T) *Keyring {
	t.Helper()
	k, err := NewKeyring("k1", map[string][]byte{"k1": make32(1)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func make32(b byte) []byte {
	key := make([]byte, KeySize)
	for i := range key {
		key[i] = b
	}
	return key
}

func redisOpt() asynq.RedisClientOpt { return asynq.RedisClientOpt{Addr: redisAddr} }
