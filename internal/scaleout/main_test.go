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
	dir string
	// Two Sentinel topologies, so that the two failover tests run side by side.
	sentinelOnce [2]sync.Once
	sentinel     [2]*testredis.Sentinel
	sentinelErr  [2]error
	// Two clusters: the master-kill test disturbs its own only.
	clusterOnce [2]sync.Once
	cluster     [2]*testredis.Cluster
	clusterErr  [2]error
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
	for _, s := range topo.sentinel {
		if s != nil {
			s.Stop()
		}
	}
	for _, c := range topo.cluster {
		if c != nil {
			c.Stop()
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// sentinel is the package's Sentinel topology i (0 or 1).
func sentinel(t testing.TB, i int) *testredis.Sentinel {
	t.Helper()
	topo.sentinelOnce[i].Do(func() {
		topo.sentinel[i], topo.sentinelErr[i] = testredis.StartSentinel(filepath.Join(topo.dir, fmt.Sprintf("sentinel%d", i)))
	})
	testredis.Need(t, topo.sentinelErr[i])
	return topo.sentinel[i]
}

// cluster is the package's six-node cluster i (0 or 1; three masters, one
// replica each).
func cluster(t testing.TB, i int) *testredis.Cluster {
	t.Helper()
	topo.clusterOnce[i].Do(func() {
		topo.cluster[i], topo.clusterErr[i] = testredis.StartCluster(filepath.Join(topo.dir, fmt.Sprintf("cluster%d", i)), 3, 1)
	})
	testredis.Need(t, topo.clusterErr[i])
	return topo.cluster[i]
}
