#!/usr/bin/env bash
# Browser check of the worker's web UI: serves worker/admin against the Redis on
# 127.0.0.1:6379 (or $TEST_REDIS_ADDR) with a few connection:create / job:poll tasks in a queue
# of its own, opens the UI in headless Chromium and checks that the rendered pages list the
# queue and the task types. Installs Chromium first when it is missing and we are root.
#
#   scripts/ui-check.sh [screenshot-dir]   # default screenshot dir: a new temporary directory
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "ui-check: chromium is not installed (apt-get install -y chromium)" >&2
    exit 1
  fi
fi

shots="${1:-$(mktemp -d)}"
mkdir -p "$shots"
UI_CHECK_SCREENSHOT_DIR="$shots" go test -count=1 -run '^TestUI_browser$' -v ./worker/admin
echo "ui-check: screenshot in $shots/ui-queue-tasks.png"
