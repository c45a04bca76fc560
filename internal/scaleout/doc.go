// Package scaleout holds the tests of basiq-worker on Redis topologies
// beyond one node, run with real servers started once per package
// (internal/testredis): Redis Sentinel (a master, a replica, three
// sentinels; a forced failover mid-run), Redis Cluster (six nodes; the
// pipeline, the refresh scheduler, webhooks and the web UI's queue view;
// one master killed mid-run), and refresh schedules run by three worker
// processes, one of them killed. The worker processes are wired by
// internal/app on the client that config builds from a REDIS_URL, as in
// basiq-worker.
//
// BenchmarkCluster measures throughput on one master against three; the
// README's "Scaling out" section reports the figures.
//
// The package has no code of its own outside its tests.
package scaleout
