#!/usr/bin/env bash
# Browser test of the worker's own choices (/me/choices): seed a fresh SQLite store with the CLI
# (a worker enrolled two months ago, those two months closed and unpaid), make the worker's
# login through the server's bootstrap, start `serve --db` and run choice.test.mjs. Months are
# counted back from today (the store's clock is the system's).
# Test data only: the ID below is a made-up number with a valid check digit.
# Usage: FLEXPENSION_BIN=... bash tests/e2e/choice.sh (run.sh calls it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
e2e_store choice

mid="$(TZ=Asia/Shanghai date +%Y-%m-15)"
m2="$(date -d "$mid -2 month" +%Y-%m)"
m1="$(date -d "$mid -1 month" +%Y-%m)"
e2e_grid_and_platform
cat >"$tmp/workers.csv" <<CSV
id_number,name,phone,hukou_region,grid,pension_from
330106199001010018,工人甲,13800000001,zj,g1,$m2
CSV
"$bin" import workers --db "$db" "$tmp/workers.csv" >/dev/null
cat >"$tmp/p.csv" <<CSV
order_id,id_number,amount_yuan,settled_at,order_type,grid
p1,330106199001010018,3000.00,$m2-05T12:00:00,instant_delivery,g1
p2,330106199001010018,3200.00,$m1-05T12:00:00,instant_delivery,g1
CSV
"$bin" import earnings --db "$db" --platform 1 "$tmp/p.csv" >/dev/null
"$bin" settle --db "$db" --month "$m2" >/dev/null
"$bin" settle --db "$db" --month "$m1" >/dev/null

FLEXPENSION_BOOTSTRAP_PEOPLE="worker:1:13800000001:e2e-password-1" \
  serve_start "$tmp" "$bin" serve --db "$db" --addr 127.0.0.1:0
base="$serve_base"
echo "choice server at $base"
cd "$here"
BASE_URL="$base" UNPAID_MONTH="$m1" node --test --test-concurrency=1 choice.test.mjs
