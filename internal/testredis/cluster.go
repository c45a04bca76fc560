package testredis

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster on free ports of 127.0.0.1, for tests and
// benchmarks of basiq-worker on Redis Cluster. A node is taken as failed
// after 1 s (cluster-node-timeout 1000), so a replica takes over a killed
// master within a few seconds.
type Cluster struct {
	// Nodes are every node, masters and replicas, in start order.
	Nodes []*Node
}

// StartCluster starts masters×(1+replicas) nodes under dir and joins them:
// with redis-cli --cluster create for three masters or more, as operators
// do, or, for fewer, by assigning the slots directly (redis-cli refuses
// fewer than three masters). It waits until every node reports
// cluster_state:ok and knows every other node. Stop it with Stop. Without
// redis-server the error wraps ErrNotInstalled.
func StartCluster(dir string, masters, replicas int) (*Cluster, error) {
	c := &Cluster{}
	if err := c.start(dir, masters, replicas); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(dir string, masters, replicas int) error {
	for i := range masters * (1 + replicas) {
		port, err := freePort(true)
		if err != nil {
			return err
		}
		n, err := startNode(filepath.Join(dir, fmt.Sprintf("node%d", i)), port, []string{
			`save ""`, "appendonly no", "cluster-enabled yes", "cluster-config-file nodes.conf",
			"cluster-node-timeout 1000", "repl-diskless-sync yes", "repl-diskless-sync-delay 0",
		}, false)
		if err != nil {
			return err
		}
		c.Nodes = append(c.Nodes, n)
	}
	var err error
	if masters >= 3 {
		err = c.create(replicas)
	} else {
		err = c.assign(masters, replicas)
	}
	if err != nil {
		return err
	}
	return waitFor(30*time.Second, "cluster state ok on every node", c.ok)
}

// create joins the nodes with redis-cli --cluster create.
func (c *Cluster) create(replicas int) error {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return fmt.Errorf("%w (redis-cli missing)", ErrNotInstalled)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", fmt.Sprint(replicas), "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("testredis: redis-cli --cluster create: %v\n%s", err, out)
	}
	return nil
}

// assign splits the slots over the first masters nodes and makes each of
// the others a replica of one of them.
func (c *Cluster) assign(masters, replicas int) error {
	ctx := context.Background()
	first := c.Nodes[0].Client()
	defer first.Close()
	for _, n := range c.Nodes[1:] {
		host, port, _ := strings.Cut(n.Addr, ":")
		var p int
		fmt.Sscan(port, &p)
		if err := first.ClusterMeet(ctx, host, fmt.Sprint(p)).Err(); err != nil {
			return err
		}
	}
	per := 16384 / masters
	for i := range masters {
		lo, hi := i*per, (i+1)*per-1
		if i == masters-1 {
			hi = 16383
		}
		rdb := c.Nodes[i].Client()
		err := rdb.ClusterAddSlotsRange(ctx, lo, hi).Err()
		rdb.Close()
		if err != nil {
			return err
		}
	}
	if replicas == 0 {
		return nil
	}
	if err := waitFor(10*time.Second, "nodes meet", c.knowEachOther); err != nil {
		return err
	}
	for j, n := range c.Nodes[masters:] {
		mid, err := nodeID(c.Nodes[j%masters])
		if err != nil {
			return err
		}
		rdb := n.Client()
		err = rdb.ClusterReplicate(ctx, mid).Err()
		rdb.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func nodeID(n *Node) (string, error) {
	rdb := n.Client()
	defer rdb.Close()
	return rdb.ClusterMyID(context.Background()).Result()
}

func (c *Cluster) knowEachOther() bool {
	for _, n := range c.live() {
		rdb := n.Client()
		nodes, err := rdb.ClusterNodes(context.Background()).Result()
		rdb.Close()
		if err != nil || strings.Count(strings.TrimSpace(nodes), "\n")+1 != len(c.Nodes) {
			return false
		}
	}
	return true
}

// ok reports whether every live node says cluster_state:ok and knows every node.
func (c *Cluster) ok() bool {
	for _, n := range c.live() {
		rdb := n.Client()
		info, err := rdb.ClusterInfo(context.Background()).Result()
		rdb.Close()
		if err != nil || !strings.Contains(info, "cluster_state:ok") {
			return false
		}
	}
	return c.knowEachOther()
}

func (c *Cluster) live() []*Node {
	var out []*Node
	for _, n := range c.Nodes {
		if !n.Killed() {
			out = append(out, n)
		}
	}
	return out
}

// Addrs are the addresses of every node.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// URL is the cluster's REDIS_URL: redis-cluster://n1,n2,...
func (c *Cluster) URL() string { return "redis-cluster://" + strings.Join(c.Addrs(), ",") }

// MasterOf returns the node that serves key's slot now.
func (c *Cluster) MasterOf(ctx context.Context, key string) (*Node, error) {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.live()[0].addrs()})
	defer rdb.Close()
	slot, err := rdb.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	slots, err := rdb.ClusterSlots(ctx).Result()
	if err != nil {
		return nil, err
	}
	for _, s := range slots {
		if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
			for _, n := range c.Nodes {
				if n.Addr == s.Nodes[0].Addr {
					return n, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("testredis: no master serves slot %d", slot)
}

func (n *Node) addrs() []string { return []string{n.Addr} }

// KillMaster kills the master serving key's slot (SIGKILL) and waits until
// its replica serves the slot and the cluster is ok again. It returns the
// killed node and how long the takeover took.
func (c *Cluster) KillMaster(ctx context.Context, key string) (*Node, time.Duration, error) {
	m, err := c.MasterOf(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	m.Kill()
	err = waitFor(30*time.Second, "replica takes over from "+m.Addr, func() bool {
		now, err := c.MasterOf(ctx, key)
		return err == nil && now != m && c.ok()
	})
	return m, time.Since(start), err
}

// Stop kills every node.
func (c *Cluster) Stop() { killAll(c.Nodes) }
