// Package scaleout holds the tests of basiq-worker on Redis topologies
// beyond one node, run with real servers started once per package
// (internal/testredis): Redis Sentinel (a master, a replica, three
// sentinels; a planned switchover and a bare forced failover mid-run, each
// on a topology of its own so that they run side by side), Redis Cluster
// (six nodes; the pipeline with REDIS_WAIT_REPLICAS 1, the refresh
// scheduler, webhooks and the web UI's queue view; on a second cluster one
// master killed mid-run), refresh schedules run by three worker processes,
// one of them killed, and three workers sharing the Basiq rate limit.
//
// The package's run time is set by TestCluster_masterKilled when a task
// is left active with no worker (its dequeue answered by the killed
// master): asynq recovers it only after its 30 s lease, 30 s of grace and
// the recoverer's next one-minute tick, 60-120 s after the kill; one more
// worker started after the kill (startRecoverer) makes it about 60 s. The worker processes are wired by
// internal/app on the client that config builds from a REDIS_URL, as in
// basiq-worker.
//
// BenchmarkCluster measures throughput on one master against three, and
// each master's share of the Redis work; the README's "Scaling out"
// section reports the figures.
//
// The package has no code of its own outside its tests.
package scaleout
