package durable_test

import (
	"context"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/durable"
	"github.com/redis/go-redis/v9"
)

// After the writes that the next step rests on, wait until one replica has
// them (at most a second) before going on.
func Example() {
	rdb := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "mymaster", SentinelAddrs: []string{"127.0.0.1:26379"}})
	defer rdb.Close()
	ctx := context.Background()
	w := durable.New(rdb, 1, time.Second)
	if err := rdb.Set(ctx, "{ns}:record", "sending", 0).Err(); err != nil {
		return
	}
	if err := w.Sync(ctx, "ns"); err != nil {
		return // not on a replica: do not act on it; try again later
	}
	// ... call Basiq
}
