package testredis

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name the sentinels of StartSentinel monitor.
const MasterName = "mymaster"

// Sentinel is a master, a replica and three sentinels on free ports of
// 127.0.0.1, for tests of Redis Sentinel and failover. Failover is quick:
// a master is taken as down after 1 s, and a failover times out after 5 s.
type Sentinel struct {
	// Servers are the master and its replica, in start order (which one is
	// the master changes with each failover: see Master).
	Servers []*Node
	// Sentinels are the three sentinels (quorum 2).
	Sentinels []*Node
}

// StartSentinel starts the topology under dir and waits until the replica
// is in sync and every sentinel knows the replica and the other sentinels.
// Stop it with Stop. Without redis-server the error wraps ErrNotInstalled.
func StartSentinel(dir string) (*Sentinel, error) {
	s := &Sentinel{}
	if err := s.start(dir); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Sentinel) start(dir string) error {
	master, err := s.server(filepath.Join(dir, "master"))
	if err != nil {
		return err
	}
	if _, err := s.server(filepath.Join(dir, "replica"), "replicaof "+strings.Replace(master.Addr, ":", " ", 1)); err != nil {
		return err
	}
	if err := waitFor(10*time.Second, "replica in sync", func() bool { return linkUp(s.Servers[1]) }); err != nil {
		return err
	}
	for i := range 3 {
		port, err := freePort(false)
		if err != nil {
			return err
		}
		n, err := startNode(filepath.Join(dir, fmt.Sprintf("sentinel%d", i)), port, []string{
			"sentinel resolve-hostnames no",
			"sentinel monitor " + MasterName + " " + strings.Replace(master.Addr, ":", " ", 1) + " 2",
			"sentinel down-after-milliseconds " + MasterName + " 1000",
			"sentinel failover-timeout " + MasterName + " 5000",
			"sentinel parallel-syncs " + MasterName + " 1",
		}, true)
		if err != nil {
			return err
		}
		s.Sentinels = append(s.Sentinels, n)
	}
	return waitFor(20*time.Second, "sentinels know the replica and each other", s.settled)
}

// server starts a data node; failover needs its config rewritable, which
// startNode's file is.
func (s *Sentinel) server(dir string, conf ...string) (*Node, error) {
	port, err := freePort(false)
	if err != nil {
		return nil, err
	}
	n, err := startNode(dir, port, append([]string{`save ""`, "appendonly no", "repl-diskless-sync yes", "repl-diskless-sync-delay 0"}, conf...), false)
	if err != nil {
		return nil, err
	}
	s.Servers = append(s.Servers, n)
	return n, nil
}

// linkUp reports whether n is a replica in sync with its master.
func linkUp(n *Node) bool {
	rdb := n.Client()
	defer rdb.Close()
	info, err := rdb.Info(context.Background(), "replication").Result()
	return err == nil && strings.Contains(info, "role:slave") && strings.Contains(info, "master_link_status:up")
}

// settled reports whether every sentinel sees one replica and two other sentinels.
func (s *Sentinel) settled() bool {
	ctx := context.Background()
	for _, n := range s.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: n.Addr})
		replicas, err1 := sc.Replicas(ctx, MasterName).Result()
		sentinels, err2 := sc.Sentinels(ctx, MasterName).Result()
		sc.Close()
		if err1 != nil || err2 != nil || len(replicas) != 1 || len(sentinels) != 2 {
			return false
		}
	}
	return true
}

// URL is the topology's REDIS_URL: redis-sentinel://s1,s2,s3?master=mymaster.
func (s *Sentinel) URL() string {
	addrs := make([]string, len(s.Sentinels))
	for i, n := range s.Sentinels {
		addrs[i] = n.Addr
	}
	return "redis-sentinel://" + strings.Join(addrs, ",") + "?master=" + MasterName
}

// SentinelAddrs are the sentinels' addresses.
func (s *Sentinel) SentinelAddrs() []string {
	addrs := make([]string, len(s.Sentinels))
	for i, n := range s.Sentinels {
		addrs[i] = n.Addr
	}
	return addrs
}

// Master returns the address of the master as the first sentinel sees it.
func (s *Sentinel) Master(ctx context.Context) (string, error) {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0].Addr})
	defer sc.Close()
	addr, err := sc.GetMasterAddrByName(ctx, MasterName).Result()
	if err != nil {
		return "", err
	}
	return addr[0] + ":" + addr[1], nil
}

// Failover forces a failover (SENTINEL FAILOVER) and waits until every
// sentinel names the new master, the new master answers as one, and the old
// master is its replica in sync. It returns the new master's address.
//
// Writes that reach the old master between the replica's promotion and the
// clients' switch (about a second: go-redis switches on +switch-master) are
// lost when the old master rejoins as a replica; Switchover avoids that.
func (s *Sentinel) Failover(ctx context.Context) (string, error) {
	return s.failover(ctx, 0)
}

// Switchover is a planned failover: it pauses writes on the master
// (CLIENT PAUSE pause WRITE), so that none lands there after the promotion,
// then runs Failover. Clients' writes wait in the pause; go-redis closes
// its connections to the old master on +switch-master and sends them again
// to the new one.
func (s *Sentinel) Switchover(ctx context.Context, pause time.Duration) (string, error) {
	return s.failover(ctx, pause)
}

func (s *Sentinel) failover(ctx context.Context, pause time.Duration) (string, error) {
	old, err := s.Master(ctx)
	if err != nil {
		return "", err
	}
	if pause > 0 {
		m := redis.NewClient(&redis.Options{Addr: old})
		err := m.Do(ctx, "CLIENT", "PAUSE", pause.Milliseconds(), "WRITE").Err()
		m.Close()
		if err != nil {
			return "", fmt.Errorf("testredis: CLIENT PAUSE on %s: %w", old, err)
		}
	}
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0].Addr})
	err = sc.Failover(ctx, MasterName).Err()
	sc.Close()
	if err != nil {
		return "", fmt.Errorf("testredis: SENTINEL FAILOVER: %w", err)
	}
	var now string
	err = waitFor(40*time.Second, "failover from "+old, func() bool {
		now = s.agreedMaster(ctx)
		return now != "" && now != old && s.byAddr(old) != nil && linkUp(s.byAddr(old))
	})
	return now, err
}

// agreedMaster is the master every sentinel names, or "".
func (s *Sentinel) agreedMaster(ctx context.Context) string {
	var agreed string
	for _, n := range s.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: n.Addr})
		addr, err := sc.GetMasterAddrByName(ctx, MasterName).Result()
		sc.Close()
		if err != nil || (agreed != "" && agreed != addr[0]+":"+addr[1]) {
			return ""
		}
		agreed = addr[0] + ":" + addr[1]
	}
	return agreed
}

func (s *Sentinel) byAddr(addr string) *Node {
	for _, n := range s.Servers {
		if n.Addr == addr {
			return n
		}
	}
	return nil
}

// Stop kills every process of the topology.
func (s *Sentinel) Stop() {
	killAll(s.Sentinels)
	killAll(s.Servers)
}
