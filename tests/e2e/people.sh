#!/usr/bin/env bash
# Browser test of the people pages: seed a fresh SQLite store with the CLI (two platforms, two
# workers, a month of orders, the month closed), make accounts through the server's bootstrap
# (FLEXPENSION_BOOTSTRAP_PEOPLE), start `serve --db` and run people.test.mjs.
# Test data only: the IDs below are made-up numbers with valid check digits.
# Usage: FLEXPENSION_BIN=... bash tests/e2e/people.sh (run.sh calls it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
e2e_store people

e2e_grid_and_platform
"$bin" platform add --db "$db" --name "配送平台Q" --credit-code 91440300708461136T >/dev/null
cat >"$tmp/workers.csv" <<'CSV'
id_number,name,phone,hukou_region,grid,pension_from
330106199001010018,工人甲,13800000001,zj,g1,2025-09
330106199202020028,工人乙,13800000002,zj,g1,2025-09
CSV
"$bin" import workers --db "$db" "$tmp/workers.csv" >/dev/null
cat >"$tmp/p.csv" <<'CSV'
order_id,id_number,amount_yuan,settled_at,order_type,grid
p1,330106199001010018,3000.00,2025-09-01T12:00:00,instant_delivery,g1
p2,330106199001010018,1200.50,2025-09-02T12:00:00,instant_delivery,g1
CSV
cat >"$tmp/q.csv" <<'CSV'
order_id,id_number,amount_yuan,settled_at,order_type,grid
q1,330106199202020028,2500.00,2025-09-03T12:00:00,ride_hailing,g1
CSV
"$bin" import earnings --db "$db" --platform 1 "$tmp/p.csv" >/dev/null
"$bin" import earnings --db "$db" --platform 2 "$tmp/q.csv" >/dev/null
"$bin" settle --db "$db" --month 2025-09 >/dev/null

FLEXPENSION_BOOTSTRAP_PEOPLE="worker:1:13800000001:e2e-password-1;platform:1:staff.p:e2e-password-2" \
  serve_start "$tmp" "$bin" serve --db "$db" --addr 127.0.0.1:0
base="$serve_base"
echo "people server at $base"
cd "$here"
BASE_URL="$base" node --test --test-concurrency=1 people.test.mjs
