#!/bin/sh
# Measures the worker changes proposed in bench/results/proposed/worker.patch (step start from
# the previous look, sub-second follow-ups, cached throttle gate) against the same runs of the
# unpatched worker: the policy sweep on 6 s jobs, the sweep on 26 s jobs, and sustained rates.
# The patch is applied in a temporary git worktree; the working tree is not touched.
set -eu
cd "$(dirname "$0")/.."
out=$PWD/bench/results/proposed
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/wt" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT INT TERM
git worktree add -q --detach "$tmp/wt" HEAD
(cd "$tmp/wt" && go build -o "$tmp/unpatched" ./cmd/basiq-bench &&
	git apply "$out/worker.patch" && go build -o "$tmp/patched" ./cmd/basiq-bench)
long="-n 500 -rate 50 -step-credentials 3s -step-accounts 8s -step-transactions 15s -jitter 0.4"
for v in unpatched patched; do
	"$tmp/$v" -sweep -n 1000 -rate 200 -json-file "$out/sweep-$v.json" -table-file "$out/sweep-$v.txt" >/dev/null
	"$tmp/$v" -sweep $long -sweep-policies "300ms/1.5/2s/0,500ms/1.5/5s/0.2,1s/1.6/15s/0.2" \
		-json-file "$out/sweep-long-$v.json" -table-file "$out/sweep-long-$v.txt" >/dev/null
	for r in 300 450 600; do
		"$tmp/$v" -n $((r * 10)) -rate $r -json-file "$out/rate$r-$v.json" -table-file "$out/rate$r-$v.txt" >/dev/null
	done
	"$tmp/$v" -n 10000 -json-file "$out/n10000-$v.json" -table-file "$out/n10000-$v.txt" >/dev/null
done
