package testredis

import (
	"context"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

func TestRemoveQueue(t *testing.T) {
	ctx := context.Background()
	rdb := Client(t)
	q, other := Name(t, "test"), Name(t, "test")
	c := asynq.NewClient(ConnOpt())
	defer c.Close()
	for _, queue := range []string{q, other} {
		if _, err := c.Enqueue(asynq.NewTask("t", nil), asynq.Queue(queue), asynq.TaskID("id-"+queue)); err != nil {
			t.Fatal(err)
		}
	}
	mine, theirs := "asynq:scheduler_history:"+q, "asynq:scheduler_history:"+other
	t.Cleanup(func() { rdb.Del(ctx, theirs) })
	for key, id := range map[string]string{mine: "id-" + q, theirs: "id-" + other} {
		rdb.ZAdd(ctx, key, redis.Z{Score: 1, Member: "\x0a" + string(rune(len(id))) + id + "\x12\x00"})
	}
	rdb.Set(ctx, "asynq:{"+q+"}:processed:2026-01-01", 1, 0)

	if err := RemoveQueue(ctx, rdb, q); err != nil {
		t.Fatal(err)
	}
	if keys, _ := rdb.Keys(ctx, "asynq:{"+q+"}:*").Result(); len(keys) > 0 {
		t.Errorf("keys of %s left: %v", q, keys)
	}
	if n, _ := rdb.Exists(ctx, mine).Result(); n != 0 {
		t.Errorf("scheduler history of %s left", q)
	}
	if ok, _ := rdb.SIsMember(ctx, "asynq:queues", q).Result(); ok {
		t.Errorf("%s still in asynq:queues", q)
	}
	if n, _ := rdb.Exists(ctx, theirs, "asynq:{"+other+"}:t:id-"+other).Result(); n != 2 {
		t.Errorf("RemoveQueue(%s) deleted keys of %s", q, other)
	}
	if err := RemoveQueue(ctx, rdb, other); err != nil {
		t.Fatal(err)
	}
}

func TestName(t *testing.T) {
	a, b := Name(t, "p"), Name(t, "p")
	if a == b {
		t.Errorf("Name twice: got %q both times, want two names", a)
	}
	t.Run("a/b {c}:d", func(t *testing.T) {
		if got := Name(t, "p"); !strings.HasPrefix(got, "p-TestName-a-b_-c-d-") {
			t.Errorf("Name = %q, want p-TestName-a-b_-c-d-<hex>", got)
		}
	})
}
