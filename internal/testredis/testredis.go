// Package testredis gives tests a client of the real Redis (127.0.0.1:6379,
// or $TEST_REDIS_ADDR), names of their own for namespaces and asynq queues,
// and a cleanup that removes every key a test left under those names.
//
// A test that finds no Redis is skipped, or fails when $TEST_REDIS_REQUIRED
// is set (CI).
package testredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Addr is the address of the test Redis: $TEST_REDIS_ADDR, else 127.0.0.1:6379.
func Addr() string {
	if a := os.Getenv("TEST_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// ConnOpt is asynq's connection to the test Redis.
func ConnOpt() asynq.RedisClientOpt { return asynq.RedisClientOpt{Addr: Addr()} }

// Client returns a client of the test Redis, closed when the test ends
// (after the cleanups registered later, which run first). Without Redis
// the test is skipped, or fails when $TEST_REDIS_REQUIRED is set.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: Addr()})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		missing(t, fmt.Sprintf("no Redis at %s (%v)", Addr(), err))
	}
	return rdb
}

// Required reports whether tests must fail rather than skip when Redis (or
// redis-server) is missing: $TEST_REDIS_REQUIRED is set, as in CI.
func Required() bool { return os.Getenv("TEST_REDIS_REQUIRED") != "" }

// missing fails the test when Redis is required, else skips it with a
// message that says how to run it.
func missing(t testing.TB, what string) {
	t.Helper()
	if Required() {
		t.Fatalf("testredis: %s, and TEST_REDIS_REQUIRED is set", what)
	}
	t.Skipf("testredis: %s: skipped; start redis-server on 127.0.0.1:6379 (or set TEST_REDIS_ADDR) to run it, "+
		"and set TEST_REDIS_REQUIRED=1 to make a missing Redis fail (.ci/run does both)", what)
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// Name returns "prefix-TestName-<random hex>": unique to this test run and
// free of the braces and colons that Redis key names give a meaning.
func Name(t testing.TB, prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + "-" + unsafe.ReplaceAllString(t.Name(), "-") + "-" + hex.EncodeToString(b)
}

// Namespace returns a namespace of the test's own (see Name) whose keys,
// "{ns}:*", are deleted when the test ends.
func Namespace(t testing.TB, prefix string) string {
	ns := Name(t, prefix)
	CleanupNamespace(t, ns)
	return ns
}

// Queue returns an asynq queue of the test's own (see Name), removed with
// all its keys when the test ends (see CleanupQueue).
func Queue(t testing.TB, prefix string) string {
	q := Name(t, prefix)
	CleanupQueue(t, q)
	return q
}

// CleanupNamespace deletes the keys of namespace ns, "{ns}:*", when the test ends.
func CleanupNamespace(t testing.TB, ns string) {
	t.Helper()
	rdb := Client(t)
	t.Cleanup(func() {
		if err := deleteMatching(context.Background(), rdb, "{"+ns+"}:*"); err != nil {
			t.Errorf("testredis: clean namespace %s: %v", ns, err)
		}
	})
}

// CleanupQueue removes asynq queue q when the test ends: every key
// "asynq:{q}:*" (asynq's Inspector.DeleteQueue leaves completed tasks and
// the processed and failed counters behind), its member of "asynq:queues",
// and the scheduler history of the tasks it held.
func CleanupQueue(t testing.TB, q string) {
	t.Helper()
	rdb := Client(t)
	t.Cleanup(func() {
		if err := RemoveQueue(context.Background(), rdb, q); err != nil {
			t.Errorf("testredis: remove queue %s: %v", q, err)
		}
	})
}

// RemoveQueue deletes every key of asynq queue q now; see CleanupQueue.
func RemoveQueue(ctx context.Context, rdb *redis.Client, q string) error {
	prefix := "asynq:{" + q + "}:t:"
	ids := map[string]bool{}
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		ids[iter.Val()[len(prefix):]] = true
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if err := deleteSchedulerHistory(ctx, rdb, ids); err != nil {
		return err
	}
	if err := deleteMatching(ctx, rdb, "asynq:{"+q+"}:*"); err != nil {
		return err
	}
	return rdb.SRem(ctx, "asynq:queues", q).Err()
}

// deleteSchedulerHistory deletes the asynq scheduler histories,
// "asynq:scheduler_history:<entry id>", that record an enqueue of one of the
// task ids. asynq's Scheduler clears the history of its entries on Shutdown,
// but not of the entries unregistered before (a refresh schedule removed).
func deleteSchedulerHistory(ctx context.Context, rdb *redis.Client, ids map[string]bool) error {
	if len(ids) == 0 {
		return nil
	}
	iter := rdb.Scan(ctx, 0, "asynq:scheduler_history:*", 500).Iterator()
	for iter.Next(ctx) {
		events, err := rdb.ZRange(ctx, iter.Val(), 0, -1).Result()
		if err != nil {
			return err
		}
		for _, e := range events {
			if ids[enqueuedTaskID(e)] {
				if err := rdb.Del(ctx, iter.Val()).Err(); err != nil {
					return err
				}
				break
			}
		}
	}
	return iter.Err()
}

// enqueuedTaskID is the task id of an encoded asynq SchedulerEnqueueEvent:
// protobuf field 1, a string (task ids are shorter than 128 bytes, so the
// length is one byte).
func enqueuedTaskID(event string) string {
	if len(event) < 2 || event[0] != 0x0a || event[1] >= 0x80 || len(event) < 2+int(event[1]) {
		return ""
	}
	return event[2 : 2+int(event[1])]
}

// deleteMatching deletes every key matching pattern.
func deleteMatching(ctx context.Context, rdb *redis.Client, pattern string) error {
	iter := rdb.Scan(ctx, 0, pattern, 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil || len(keys) == 0 {
		return err
	}
	return rdb.Del(ctx, keys...).Err()
}
