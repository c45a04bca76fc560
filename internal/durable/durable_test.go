package durable_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/durable"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/redis/go-redis/v9"
)

// pair is the package's master and replica, started once (TestMain).
var pair struct {
	p   *testredis.Pair
	err error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "durable-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pair.p, pair.err = testredis.StartPair(dir)
	code := m.Run()
	if pair.p != nil {
		pair.p.Stop()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func startPair(t *testing.T) *testredis.Pair {
	t.Helper()
	testredis.Need(t, pair.err)
	return pair.p
}

func client(t *testing.T, n *testredis.Node) *redis.Client {
	rdb := n.Client()
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

var slaveOffset = regexp.MustCompile(`slave0:[^\r\n]*offset=(\d+)`)

// offsets are the master's replication offset and the one its replica
// acknowledged last (INFO replication).
func offsets(t *testing.T, master *redis.Client) (own, replica int64) {
	t.Helper()
	info, err := master.Info(context.Background(), "replication").Result()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`master_repl_offset:(\d+)`).FindStringSubmatch(info)
	s := slaveOffset.FindStringSubmatch(info)
	if m == nil || s == nil {
		t.Fatalf("INFO replication lacks the offsets: %s", info)
	}
	own, _ = strconv.ParseInt(m[1], 10, 64)
	replica, _ = strconv.ParseInt(s[1], 10, 64)
	return own, replica
}

// WAIT on a pooled connection that did not write since does not wait for
// the writes other connections made meanwhile: it returns at once while the
// replica lacks them (it covers the replication offset of the connection's
// own last command). Sync's marker write on its own connection makes the
// wait cover them: it fails while the replica is stopped, and once it
// returns the replica holds the other connection's write.
func TestSync_coversOtherConnections(t *testing.T) {
	p := startPair(t)
	ctx := context.Background()
	rdb := client(t, p.Master)
	key := testredis.Name(t, "k")
	t.Cleanup(func() { rdb.Del(ctx, key) })
	stale := rdb.Conn() // used before the write, as a pooled connection is
	defer stale.Close()
	// syncer's one pooled connection, too, was last used before the write.
	syncer := redis.NewClient(&redis.Options{Addr: p.Master.Addr, PoolSize: 1})
	defer syncer.Close()
	for _, err := range []error{stale.Ping(ctx).Err(), syncer.Ping(ctx).Err()} {
		if err != nil {
			t.Fatal(err)
		}
	}

	if err := p.Replica.Freeze(); err != nil {
		t.Fatal(err)
	}
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			if err := p.Replica.Thaw(); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(thaw)
	writer := rdb.Conn()
	defer writer.Close()
	if err := writer.Set(ctx, key, "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}

	got, err := stale.Wait(ctx, 1, 5*time.Second).Result()
	own, acked := offsets(t, rdb)
	if err != nil || got != 1 {
		t.Fatalf("WAIT 1 on another connection: %d, %v; want 1 at once (it does not cover other connections' writes)", got, err)
	}
	if acked >= own {
		t.Fatalf("replica acknowledged offset %d, master at %d: want the replica behind while frozen", acked, own)
	}
	t.Logf("WAIT on another connection counted the frozen replica: it acknowledged offset %d, the master is at %d", acked, own)

	err = durable.New(syncer, 1, 300*time.Millisecond).Sync(ctx, "ns")
	var de *durable.Error
	if !errors.As(err, &de) || de.Got != 0 || de.Want != 1 {
		t.Fatalf("Sync with the replica frozen: %v, want an *Error with 0 of 1 replicas", err)
	}

	thaw()
	if err := durable.New(syncer, 1, 10*time.Second).Sync(ctx, "ns"); err != nil {
		t.Fatalf("Sync after thaw: %v", err)
	}
	if v, err := client(t, p.Replica).Get(ctx, key).Result(); err != nil || v != "v" {
		t.Errorf("replica's %s right after Sync: %q, %v; want \"v\"", key, v, err)
	}
}

// Sync fails with an *Error naming the cause when the writes cannot be
// confirmed, and waits for nothing when no replica is asked for.
func TestSync_errors(t *testing.T) {
	p := startPair(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		rdb      *redis.Client
		replicas int
		want     string // "" for nil
	}{
		{"no replica asked", client(t, p.Master), 0, ""},
		{"one replica in sync", client(t, p.Master), 1, ""},
		{"more replicas than there are", client(t, p.Master), 2, "on 1 of 2 replicas within 200ms"},
		{"a replica, not a master (a demoted master)", client(t, p.Replica), 1, "READONLY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := durable.New(tt.rdb, tt.replicas, 200*time.Millisecond).Sync(ctx, "ns")
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Sync: %v, want nil", err)
			case tt.want != "" && (err == nil || !errors.As(err, new(*durable.Error)) || !regexp.MustCompile(tt.want).MatchString(err.Error())):
				t.Errorf("Sync: %v, want an *Error matching %q", err, tt.want)
			}
		})
	}
	var nilWaiter *durable.Waiter
	if err := nilWaiter.Sync(ctx, "ns"); err != nil || nilWaiter.Replicas() != 0 {
		t.Errorf("nil Waiter: Sync %v, Replicas %d; want nil, 0", err, nilWaiter.Replicas())
	}
}
