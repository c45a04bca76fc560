package tasks

import (
	"time"

	"github.com/basiq-worker/basiq-worker/internal/durable"
)

// WithReplicaWait makes every enqueue return only once replicas replicas
// of the Redis master hold the task (Redis WAIT, at most timeout): a
// failover then cannot discard a task the application was told is
// enqueued (with Redis Sentinel, a forced failover discards the writes the
// old master takes in its first second). An enqueue not confirmed in time
// fails with an error wrapping a *durable.Error; enqueue again with the
// same IdempotencyKey. 0 replicas, the default, waits for nothing.
func WithReplicaWait(replicas int, timeout time.Duration) ClientOption {
	return clientOptionFunc(func(c *Client) { c.replicas = durable.New(c.rdb, replicas, timeout) })
}
