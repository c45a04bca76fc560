#!/bin/sh
# Reproduces bench/results: the 10,000-connection run of both modes with a CPU profile of the
# worker, 3,000 connections enqueued at 300/s (below saturation), and the poll-policy sweep. Needs Go and a Redis at $REDIS_URL (default
# redis://127.0.0.1:6379/0); a Redis with nothing else on it keeps the command counts clean:
#   redis-server --port 6390 --save '' --appendonly no &  REDIS_URL=redis://127.0.0.1:6390/0 bench/run.sh
set -eu
cd "$(dirname "$0")/.."
out=bench/results
mkdir -p "$out"
# The published results ran with the worker defaults of then: 10 slots, a 200 ms delayed-task check.
published="-concurrency 10 -delayed-check 200ms"
go build -o "$out/basiq-bench.bin" ./cmd/basiq-bench
"$out/basiq-bench.bin" $published -n 10000 -mode both -cpuprofile "$out/worker.cpu.prof" \
	-json-file "$out/n10000-both.json" -table-file "$out/n10000-both.txt"
go tool pprof -top -nodecount=40 "$out/basiq-bench.bin" "$out/worker.cpu.prof" > "$out/worker-profile-top.txt"
go tool pprof -top -cum -nodecount=200 "$out/basiq-bench.bin" "$out/worker.cpu.prof" > "$out/worker-profile-cum.txt"
"$out/basiq-bench.bin" $published -n 3000 -rate 300 -json-file "$out/rate300.json" -table-file "$out/rate300.txt"
"$out/basiq-bench.bin" $published -sweep -n 1000 -rate 200 -json-file "$out/sweep.json" -table-file "$out/sweep.txt"
rm -f "$out/basiq-bench.bin" "$out/worker.cpu.prof" "$out/worker.cpu.prof.blocking"
