package scaleout

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
)

// The topologies are started once per package, on first use, and stopped
// by TestMain.
var topo struct {
	dir          string
	sentinelOnce sync.Once
	sentinel     *testredis.Sentinel
	sentinelErr  error
	clusterOnce  sync.Once
	cluster      *testredis.Cluster
	clusterErr   error
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	dir, err := os.MkdirTemp("", "scaleout-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	topo.dir = dir
	code := m.Run()
	if topo.sentinel != nil {
		topo.sentinel.Stop()
	}
	if topo.cluster != nil {
		topo.cluster.Stop()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// sentinel is the package's Sentinel topology.
func sentinel(t testing.TB) *testredis.Sentinel {
	t.Helper()
	topo.sentinelOnce.Do(func() {
		topo.sentinel, topo.sentinelErr = testredis.StartSentinel(filepath.Join(topo.dir, "sentinel"))
	})
	testredis.Need(t, topo.sentinelErr)
	return topo.sentinel
}

// cluster is the package's six-node cluster (three masters, one replica each).
func cluster(t testing.TB) *testredis.Cluster {
	t.Helper()
	topo.clusterOnce.Do(func() {
		topo.cluster, topo.clusterErr = testredis.StartCluster(filepath.Join(topo.dir, "cluster"), 3, 1)
	})
	testredis.Need(t, topo.clusterErr)
	return topo.cluster
}
