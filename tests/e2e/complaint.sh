#!/usr/bin/env bash
# Complaints in the browser on the demo's own data: build the demo store with `flexpension demo
# --no-serve` (few workers, for time), serve it and run complaint.test.mjs. Screenshots go to
# docs/screens/ when UPDATE_SCREENS=1.
# Usage: FLEXPENSION_BIN=... bash tests/e2e/complaint.sh (run.sh calls it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${FLEXPENSION_BIN:?set FLEXPENSION_BIN}"
tmp="$(mktemp -d)"
source "$root/scripts/lib/serve.sh"
cleanup() {
  serve_stop
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" demo --data "$tmp/demo" --workers "${DEMO_WORKERS:-300}" --no-serve >"$tmp/guide" 2>"$tmp/demo.err" || { cat "$tmp/guide" "$tmp/demo.err" >&2; exit 1; }
db="sqlite:$tmp/demo/flexpension.db"
serve_start "$tmp" "$bin" serve --db "$db" --addr 127.0.0.1:0
echo "demo store served at $serve_base"
screens=""
if [ "${UPDATE_SCREENS:-}" = 1 ]; then screens="$root/docs/screens"; mkdir -p "$screens"; fi
cd "$here"
BASE_URL="$serve_base" SCREENS_DIR="$screens" node --test --test-concurrency=1 complaint.test.mjs
