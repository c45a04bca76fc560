package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxWaitTimeout bounds REDIS_WAIT_TIMEOUT: a worker slot (or an
// application's enqueue) is held for up to that long.
const maxWaitTimeout = 30 * time.Second

// ReplicaWait is REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT: how many
// replicas must hold a write before the worker goes on from it (a task
// marked done, a create sent to Basiq) and before an enqueue returns to the
// application (Redis WAIT; worker.Config.WaitReplicas, tasks.WithReplicaWait).
// "auto" is 1 on redis-sentinel://, where a forced failover otherwise loses
// the writes of its first second, and 0 elsewhere.
type ReplicaWait struct {
	Replicas waitReplicas
	Timeout  time.Duration
}

// DefaultReplicaWait is auto, within 1s.
func DefaultReplicaWait() ReplicaWait {
	return ReplicaWait{Replicas: autoReplicas, Timeout: time.Second}
}

func (r *ReplicaWait) variables() []variable {
	return []variable{
		{"REDIS_WAIT_REPLICAS", &r.Replicas, "replicas that must hold a write before it is acted on (Redis WAIT): auto (1 on redis-sentinel://, else 0) or a number; with one replica, its loss holds every task until it is back", 0},
		{"REDIS_WAIT_TIMEOUT", &r.Timeout, "longest wait for REDIS_WAIT_REPLICAS; a task not confirmed by then runs again (not a failure), an enqueue fails", 0},
	}
}

func (r ReplicaWait) problems() []error {
	if r.Timeout <= 0 || r.Timeout > maxWaitTimeout {
		return []error{fmt.Errorf("REDIS_WAIT_TIMEOUT: must be > 0 and <= %s, got %q", formatDuration(maxWaitTimeout), formatDuration(r.Timeout))}
	}
	return nil
}

// Count is the number of replicas to wait for on redisURL.
func (r ReplicaWait) Count(redisURL string) int {
	if r.Replicas == autoReplicas {
		if strings.HasPrefix(redisURL, "redis-sentinel:") {
			return 1
		}
		return 0
	}
	return int(r.Replicas)
}

// waitReplicas is REDIS_WAIT_REPLICAS: auto, or a number of replicas >= 0.
type waitReplicas int

const autoReplicas waitReplicas = -1

// Decode parses auto or a number >= 0.
func (w *waitReplicas) Decode(raw string) error {
	if raw == "auto" {
		*w = autoReplicas
		return nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return errors.New("must be auto or a number of replicas >= 0")
	}
	*w = waitReplicas(n)
	return nil
}

// String is the variable's value.
func (w waitReplicas) String() string {
	if w == autoReplicas {
		return "auto"
	}
	return strconv.Itoa(int(w))
}
