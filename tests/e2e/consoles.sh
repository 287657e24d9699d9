#!/usr/bin/env bash
# The consoles, the grid worker's page and complaints on the demo's own data: build the demo
# store with `flexpension demo --no-serve` (fewer workers than the default, for time), take
# `report month --json` of its last month and `fund report --json` of its pilot year, serve the
# store and run consoles.test.mjs, fund.test.mjs (the special fund, a platform's bill and statement),
# grid.test.mjs, complaint.test.mjs and union.test.mjs (the union page). Screenshots go to
# docs/screens/ when SCREENS_DIR is set
# (UPDATE_SCREENS=1 sets it to the repository's docs/screens).
# Usage: FLEXPENSION_BIN=... bash tests/e2e/consoles.sh (run.sh calls it).
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

"$bin" demo --data "$tmp/demo" --workers "${DEMO_WORKERS:-1500}" --no-serve >"$tmp/guide" 2>"$tmp/demo.err" || { cat "$tmp/guide" "$tmp/demo.err" >&2; exit 1; }
db="sqlite:$tmp/demo/flexpension.db"
month="$(sed -n 's/.*report month --db [^ ]* --month \([0-9-]*\).*/\1/p' "$tmp/guide" | head -n 1)"
[ -n "$month" ] || { echo "the demo's guide names no month" >&2; cat "$tmp/guide" >&2; exit 1; }
"$bin" report month --db "$db" --month "$month" --json >"$tmp/report.json"
year="$(sed -n 's/.*fund report --db [^ ]* --year \([0-9]*\).*/\1/p' "$tmp/guide" | head -n 1)"
[ -n "$year" ] || { echo "the demo's guide names no budget year" >&2; cat "$tmp/guide" >&2; exit 1; }
"$bin" fund report --db "$db" --year "$year" --json >"$tmp/fund.json"

serve_start "$tmp" "$bin" serve --db "$db" --addr 127.0.0.1:0
base="$serve_base"
echo "demo store served at $base (month $month)"
screens=""
if [ "${UPDATE_SCREENS:-}" = 1 ]; then screens="$root/docs/screens"; mkdir -p "$screens"; fi
cd "$here"
BASE_URL="$base" REPORT_JSON="$tmp/report.json" REPORT_MONTH="$month" FUND_JSON="$tmp/fund.json" FUND_YEAR="$year" SCREENS_DIR="$screens" \
  node --test --test-concurrency=1 consoles.test.mjs fund.test.mjs grid.test.mjs notices.test.mjs complaint.test.mjs union.test.mjs
