// Command basiq-bench measures basiq-worker end to end: it starts the fake Basiq server of
// package basiqtest, runs one or more worker processes (children of this one, so their
// memory and CPU are their own) against a real Redis, enqueues N connections, waits for every
// result and prints throughput, step detection latency, Basiq and Redis cost per job, and the
// workers' peak RSS and CPU time.
//
//	go run ./cmd/basiq-bench -n 1000
//	go run ./cmd/basiq-bench -n 10000 -mode both -json-file bench/results/run.json
//	go run ./cmd/basiq-bench -sweep -n 2000
//	go run ./cmd/basiq-bench -api-load 1000/s -api-duration 30s
//
// -api-load measures the HTTP API (internal/httpapi) instead: creates
// through POST /v1/connections at a fixed rate, open loop, with p50/p90/p99
// latency and a check that every accepted task is in the queue.
//
// -mode=blocking runs the same jobs with handlers that wait inside the handler (create, then
// GET /jobs/{id} at a fixed interval, sleeping), the Node SDK's waitForCredentials pattern, at
// the same concurrency; -mode=both runs both and prints the ratio. Redis comes from -redis-url
// (default $REDIS_URL, else redis://127.0.0.1:6379/0); every run uses its own namespace and
// queue and deletes them at the end.
//
// The blocking baseline stands in for the worker's own handlers, so it is
// the one part of the repository outside worker that uses the worker's
// internals: it decodes the create payload (internal/wire), opens its
// credentials (internal/sealing), builds the Basiq client and the shared
// rate limit the way the worker does (internal/basiqclient,
// internal/ratelimit) and publishes its results through the worker's
// publisher (internal/results), so that the two modes differ only in how
// they wait. The worker runs through internal/app, the
// wiring basiq-worker uses, and the jobs are enqueued and read through
// package tasks, as an app would.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "basiq-bench:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run parses args and runs the benchmark, the sweep or (hidden) a worker child.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if o.child {
		return runChild(ctx, o, getenv, stdout)
	}
	slots := o.concurrency
	if o.mode == modeBoth || o.blockingConcOn || o.peer != "" {
		cs, _ := blockingConcurrencies(o)
		for _, c := range append(cs, nodeConcurrency(o)) {
			slots = max(slots, c)
		}
	}
	raiseFileLimit(stderr, slots)
	if o.sweep {
		return runSweep(ctx, o, stdout, stderr)
	}
	if o.apiLoad != "" {
		return runAPILoad(ctx, o, stdout, stderr)
	}
	return runBench(ctx, o, stdout, stderr)
}
