#!/bin/sh
# Reproduces bench/results for the checked-out commit: files named <what>-<commit>.{txt,json}.
#   bench/run.sh [both|crash|inflight|sweep|all]   (default all; about 20 minutes on 2 cores)
#   BENCH_N (default 10000) sets N of both and crash, BENCH_INFLIGHT_N (100000) that of inflight.
# both:     N = 10,000 at once: ours, blocking at the same concurrency (extrapolated), blocking
#           at concurrency 10,000, asynq's no-op yardstick, the Node SDK + BullMQ peer; the
#           table of issue 14's targets
# crash:    kill -9 of the worker at half the results, N = 10,000, scheduled and blocking
# inflight: N = 100,000 at once (all in flight): worker RSS, Redis memory, detection
# sweep:    poll policies on 6 s jobs, then on 26 s jobs and log-normal (real-looking) spreads
# It starts its own redis-server on $BENCH_REDIS_PORT (default 6390; nothing else on it keeps
# the command counts clean) unless $REDIS_URL is set. Needs Go; node and npm for the peer.
set -eu
cd "$(dirname "$0")/.."
out=bench/results
mkdir -p "$out"
what=${1:-all}
n=${BENCH_N:-10000}                 # connections of both and crash
inflight=${BENCH_INFLIGHT_N:-100000}
commit=$(git rev-parse --short HEAD)
tmp=$(mktemp -d)
if [ -z "${REDIS_URL:-}" ]; then
	port=${BENCH_REDIS_PORT:-6390}
	if redis-cli -p "$port" ping >/dev/null 2>&1; then
		echo "bench/run.sh: a Redis already answers on port $port: set BENCH_REDIS_PORT to a free port" >&2
		exit 1
	fi
	redis-server --port "$port" --save '' --appendonly no --daemonize yes --pidfile "$tmp/redis.pid" --maxclients 20000 >/dev/null
	trap 'kill "$(cat "$tmp/redis.pid")"; rm -rf "$tmp"' EXIT
	REDIS_URL=redis://127.0.0.1:$port/0
	sleep 0.5
	redis-cli -p "$port" ping >/dev/null
else
	trap 'rm -rf "$tmp"' EXIT
fi
go build -o "$tmp/basiq-bench" ./cmd/basiq-bench
run() {
	name=$1
	shift
	echo "== $name-$commit: $*" >&2
	"$tmp/basiq-bench" -redis-url "$REDIS_URL" -json-file "$out/$name-$commit.json" -table-file "$out/$name-$commit.txt" "$@" >/dev/null
}
case $what in both | all) run n$n-both -n "$n" -mode both -peer node ;; esac
case $what in crash | all)
	run n$n-crash-scheduled -n "$n" -mode scheduled -crash-at 0.5
	run n$n-crash-blocking -n "$n" -mode blocking -blocking-concurrency n -crash-at 0.5
	;;
esac
case $what in inflight | all) run n$inflight-inflight -n "$inflight" -mode scheduled -sample-every 1s -timeout 30m ;; esac
case $what in sweep | all)
	run sweep -sweep -n 1000 -rate 200
	run sweep-long -sweep -n 1000 -rate 200 -sweep-steps 3s/8s/15s:u0.4,8.2s/3.8s/7.1s:ln0.6 \
		-sweep-policies 300ms/1.5/2s/0,500ms/1.5/5s/0.2,500ms/1.5/5s/0.2/900ms/0.2,500ms/1.5/5s/0.2/900ms/0.3
	;;
esac
