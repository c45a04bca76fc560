package redislock_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/redislock"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

func TestAcquire_oneHolderAtATime(t *testing.T) {
	rdb := testredis.Client(t)
	key := testredis.Namespace(t, "lock") + ":lock"
	t.Cleanup(func() { rdb.Del(context.Background(), key) })

	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := redislock.Acquire(context.Background(), rdb, key, 10*time.Second, 0)
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if got := most.Load(); got != 1 {
		t.Fatalf("%d holders at once, want 1", got)
	}
	if n, _ := rdb.Exists(context.Background(), key).Result(); n != 0 {
		t.Fatal("lock left behind after every holder released it")
	}
}

func TestAcquire_waitBounds(t *testing.T) {
	rdb := testredis.Client(t)
	ctx := context.Background()
	key := testredis.Namespace(t, "lock") + ":lock"
	t.Cleanup(func() { rdb.Del(ctx, key) })
	if err := rdb.Set(ctx, key, "someone-else", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}

	_, err := redislock.Acquire(ctx, rdb, key, time.Second, 50*time.Millisecond)
	if !errors.Is(err, redislock.ErrHeld) {
		t.Fatalf("held lock with maxWait: err = %v, want ErrHeld", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := redislock.Acquire(cctx, rdb, key, time.Second, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("held lock until ctx ends: err = %v, want DeadlineExceeded", err)
	}
	if v, _ := rdb.Get(ctx, key).Result(); v != "someone-else" {
		t.Fatalf("the other owner's lock = %q, want it untouched", v)
	}
}

func TestAcquire_releaseKeepsAnotherOwnersLock(t *testing.T) {
	rdb := testredis.Client(t)
	ctx := context.Background()
	key := testredis.Namespace(t, "lock") + ":lock"
	t.Cleanup(func() { rdb.Del(ctx, key) })

	unlock, err := redislock.Acquire(ctx, rdb, key, 50*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond) // the lease runs out: another owner takes the lock
	unlock2, err := redislock.Acquire(ctx, rdb, key, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock2()
	unlock() // the first holder's late release
	if n, _ := rdb.Exists(ctx, key).Result(); n != 1 {
		t.Fatal("a late release deleted the lock of the owner that took it after the lease")
	}
}
