#!/usr/bin/env bash
# Browser test of a transfer between two regions: two fresh SQLite stores seeded with the CLI,
# Zhejiang (a worker enrolled three months ago, every month closed and paid) and Anhui (the same
# person registered, not enrolled; their login made through the server's bootstrap), each the
# other's peer, both served; transfer.test.mjs applies on Anhui's /me at 390 px and waits for
# the tracker to say the months moved; Anhui's officer sees it in the queue of transfers. Months are counted back from today (the stores' clocks
# are the system's). Screenshots go to docs/screens/ when UPDATE_SCREENS=1.
# Test data only: the ID below is a made-up number with a valid check digit.
# Usage: FLEXPENSION_BIN=... bash tests/e2e/transfer.sh (run.sh calls it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/lib.sh"
e2e_store zj
zj="$db"
ah="sqlite:$tmp/ah.db"
zj_pid=""
stop_both() {
  serve_stop
  if [ -n "$zj_pid" ]; then kill "$zj_pid" 2>/dev/null || true; wait "$zj_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap stop_both EXIT

id=330106199001010018
mid="$(TZ=Asia/Shanghai date +%Y-%m-15)"
months=("$(date -d "$mid -3 month" +%Y-%m)" "$(date -d "$mid -2 month" +%Y-%m)" "$(date -d "$mid -1 month" +%Y-%m)")
this="$(date -d "$mid" +%Y-%m)"

"$bin" init --region zj --db "$zj" >/dev/null
"$bin" init --region ah --db "$ah" >/dev/null
e2e_grid_and_platform
printf 'id_number,name,phone,hukou_region,grid,pension_from\n%s,工人甲,13800000001,zj,g1,%s\n' "$id" "${months[0]}" >"$tmp/w.csv"
"$bin" import workers --db "$zj" "$tmp/w.csv" >/dev/null
{
  echo 'order_id,id_number,amount_yuan,settled_at,order_type,grid'
  for i in 0 1 2; do echo "o$i,$id,6000.00,${months[$i]}-05T12:00:00+08:00,ride_hailing,g1"; done
} >"$tmp/e.csv"
"$bin" import earnings --db "$zj" --platform 1 "$tmp/e.csv" >/dev/null
for m in "${months[@]}"; do "$bin" settle --db "$zj" --month "$m" >/dev/null; done
owed="$("$bin" worker show --db "$zj" --id-number "$id" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const f=JSON.parse(s).account.arrears_fen;console.log(`${Math.floor(f/100)}.${String(f%100).padStart(2,"0")}`)})')"
"$bin" pay --db "$zj" --id-number "$id" --month "$this" --amount-yuan "$owed" --reference bank-1 >/dev/null

"$bin" grid add --db "$ah" --code h1 --name "蜀山区1号网格" >/dev/null
printf 'id_number,name,phone,hukou_region,grid,pension_from\n%s,工人甲,13800000001,340102,h1,\n' "$id" >"$tmp/a.csv"
"$bin" import workers --db "$ah" "$tmp/a.csv" >/dev/null

mkdir -p "$tmp/zj" "$tmp/ah"
serve_start "$tmp/zj" "$bin" serve --db "$zj" --addr 127.0.0.1:0
zj_pid="$serve_pid" zj_base="$serve_base"
serve_pid=""
FLEXPENSION_BOOTSTRAP_PEOPLE="worker:1:13800000001:e2e-password-1;officer:ah:officer.ah:e2e-password-2" \
  serve_start "$tmp/ah" "$bin" serve --db "$ah" --addr 127.0.0.1:0
ah_base="$serve_base"
"$bin" peer add --db "$zj" --code ah --url "$ah_base" --key "$("$bin" log key --db "$ah")" >/dev/null
"$bin" peer add --db "$ah" --code zj --url "$zj_base" --key "$("$bin" log key --db "$zj")" >/dev/null
echo "Zhejiang at $zj_base, Anhui at $ah_base"

screens=""
if [ "${UPDATE_SCREENS:-}" = 1 ]; then screens="$root/docs/screens"; mkdir -p "$screens"; fi
cd "$here"
BASE_URL="$ah_base" ID_NUMBER="$id" MONTHS="${#months[@]}" SCREENS_DIR="$screens" FLEXPENSION_BIN="$bin" \
  AH_LOG_KEY="$("$bin" log key --db "$ah")" SCRATCH="$tmp" \
  node --test --test-concurrency=1 transfer.test.mjs
