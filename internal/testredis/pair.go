package testredis

import (
	"path/filepath"
	"strings"
	"time"
)

// Pair is a master and its replica on free ports of 127.0.0.1, without
// sentinels: for tests of what reaches a replica (Redis WAIT).
type Pair struct {
	Master, Replica *Node
}

// StartPair starts the two servers under dir and waits until the replica is
// in sync. Stop it with Stop. Without redis-server the error wraps
// ErrNotInstalled.
func StartPair(dir string) (*Pair, error) {
	var s Sentinel // its servers, without its sentinels
	p := &Pair{}
	master, err := s.server(filepath.Join(dir, "master"))
	if err != nil {
		return nil, err
	}
	p.Master = master
	replica, err := s.server(filepath.Join(dir, "replica"), "replicaof "+strings.Replace(master.Addr, ":", " ", 1))
	if err != nil {
		p.Stop()
		return nil, err
	}
	p.Replica = replica
	if err := waitFor(10*time.Second, "replica in sync", func() bool { return linkUp(replica) }); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// Stop kills both servers.
func (p *Pair) Stop() {
	for _, n := range []*Node{p.Master, p.Replica} {
		if n != nil {
			n.Kill()
		}
	}
}
