// Package durable makes Redis writes survive a failover: Sync returns once
// the master's replicas have every write the master took before the call,
// so that what a caller acknowledges next (asynq marking a task done, an
// enqueue returning to an application, a call to Basiq) never rests on a
// write that a failover can discard.
//
// # Why a marker write before WAIT
//
// Redis's WAIT counts the replicas that acknowledged the replication
// offset of the calling connection's own last command (its last write, in
// Redis's documentation; Redis 7.0.15 takes the offset after any command).
// A pooled client spreads a caller's writes over its connections, and WAIT
// on a connection last used before those writes returns at once, whatever
// the replicas lack. Sync therefore writes a small marker key (SET key PX
// 10000) and sends WAIT on that same connection: the marker's offset is
// past every write the master took before it, from any connection,
// because the replication stream is one ordered log per master.
// TestSync_coversOtherConnections proves both halves against a real master
// and a frozen (SIGSTOP) replica.
//
// # Topologies
//
// On one node or Redis Sentinel there is one master: one marker, one WAIT.
// On Redis Cluster each hash tag's slot has its own master: Sync writes one
// marker per distinct master of the tags it is given ("{tag}:durable") and
// waits on each.
//
// # The failover it closes
//
// A forced Sentinel failover with the old master alive: go-redis keeps
// writing to the old master for about a second after the replica's
// promotion, and those writes are discarded when the old master rejoins as
// a replica. The old master has no replica then, so WAIT there reports 0
// and Sync fails: the caller does not acknowledge, and the work is done
// again on the new master.
package durable

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// markerTTL is how long a marker key lives: it only has to outlive its WAIT.
const markerTTL = 10 * time.Second

// Waiter waits for writes to reach a master's replicas. A nil *Waiter
// waits for nothing.
type Waiter struct {
	rdb      redis.UniversalClient
	replicas int
	timeout  time.Duration
}

// New returns a Waiter on rdb (a *redis.Client, Sentinel's failover client
// included, or a *redis.ClusterClient) that waits for replicas replicas
// within timeout, or nil when replicas is 0 or less.
func New(rdb redis.UniversalClient, replicas int, timeout time.Duration) *Waiter {
	if replicas <= 0 {
		return nil
	}
	return &Waiter{rdb: rdb, replicas: replicas, timeout: timeout}
}

// Replicas is the number of replicas w waits for (0 for a nil Waiter).
func (w *Waiter) Replicas() int {
	if w == nil {
		return 0
	}
	return w.replicas
}

// Error is a Sync whose writes did not reach enough replicas within the
// timeout (or whose WAIT failed: a master turned replica refuses it).
type Error struct {
	// Addr is the master asked ("" when go-redis chose it).
	Addr string
	// Want and Got are the replicas wanted and those that had the writes.
	Want, Got int64
	// Timeout is the wait given.
	Timeout time.Duration
	// Err is the Redis error, if WAIT or the marker failed.
	Err error
}

func (e *Error) Error() string {
	at := ""
	if e.Addr != "" {
		at = " on " + e.Addr
	}
	if e.Err != nil {
		return fmt.Sprintf("durable: writes%s not confirmed on %d replicas: %v", at, e.Want, e.Err)
	}
	return fmt.Sprintf("durable: writes%s on %d of %d replicas within %s", at, e.Got, e.Want, e.Timeout)
}

func (e *Error) Unwrap() error { return e.Err }

// Sync returns nil once w's replicas have every write that the masters of
// tags (hash tags such as a namespace or an asynq queue name; on one node
// or Sentinel only the first matters) took before the call, or an *Error.
// A nil w, or no tags, returns nil at once.
func (w *Waiter) Sync(ctx context.Context, tags ...string) error {
	if w == nil || len(tags) == 0 {
		return nil
	}
	if cc, ok := w.rdb.(*redis.ClusterClient); ok {
		return w.syncCluster(ctx, cc, tags)
	}
	c, ok := w.rdb.(interface{ Conn() *redis.Conn })
	if !ok {
		return &Error{Want: int64(w.replicas), Err: fmt.Errorf("unsupported client %T", w.rdb)}
	}
	return w.syncConn(ctx, c.Conn(), "", markerKey(tags[0]))
}

// markerKey is the marker of tag's slot.
func markerKey(tag string) string { return "{" + tag + "}:durable" }

// syncCluster syncs each distinct master of the tags' slots, one after the
// other (a handful at most).
func (w *Waiter) syncCluster(ctx context.Context, cc *redis.ClusterClient, tags []string) error {
	done := map[string]bool{}
	for _, tag := range tags {
		key := markerKey(tag)
		node, err := cc.MasterForKey(ctx, key)
		if err != nil {
			return &Error{Want: int64(w.replicas), Err: err}
		}
		addr := node.Options().Addr
		if done[addr] {
			continue
		}
		done[addr] = true
		if err := w.syncConn(ctx, node.Conn(), addr, key); err != nil {
			return err
		}
	}
	return nil
}

// syncConn writes the marker on conn and waits there, then gives conn back
// to its pool.
func (w *Waiter) syncConn(ctx context.Context, conn *redis.Conn, addr, key string) error {
	defer conn.Close()
	fail := func(got int64, err error) error {
		return &Error{Addr: addr, Want: int64(w.replicas), Got: got, Timeout: w.timeout, Err: err}
	}
	if err := conn.Set(ctx, key, "1", markerTTL).Err(); err != nil {
		return fail(0, err)
	}
	got, err := conn.Wait(ctx, w.replicas, w.timeout).Result()
	if err != nil {
		return fail(0, err)
	}
	if got < int64(w.replicas) {
		return fail(got, nil)
	}
	return nil
}
