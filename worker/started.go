package worker

import (
	"context"
	"fmt"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/redis/go-redis/v9"
)

// TaskStarted reports whether a worker of namespace ns has started task
// taskID (a create, update, refresh or refresh-all) in the last 7 days: its
// start record exists. It tells a task that asynq no longer holds (enqueued
// without retention, run, its Basiq job still followed) from an unknown id.
func TaskStarted(ctx context.Context, rdb redis.UniversalClient, ns, taskID string) (bool, error) {
	n, err := rdb.Exists(ctx, keys.Start(ns, taskID)).Result()
	if err != nil {
		return false, fmt.Errorf("start record of %s: %w", taskID, err)
	}
	return n > 0, nil
}
