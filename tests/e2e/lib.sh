# Sourced by the browser tests' scripts that seed a store with the CLI and serve it.
#
# `e2e_store NAME`: the binary `$bin` ($FLEXPENSION_BIN, required), a scratch folder `$tmp` and
# in it the SQLite store `$db` (NAME.db); on exit the server (if started with `serve_start` of
# scripts/lib/serve.sh, sourced here) is stopped and the folder removed.
# `e2e_grid_and_platform`: grid g1 and platform 1 (骑手平台P) in `$db`.
# `e2e_paid_worker ID`: the worker ID (enrolled from 2025-09, phone 13800000001) with orders on
# platform 1 in September and October 2025 (3800 and 4100 yuan), both months settled and
# 2000 yuan paid for October. Test data only: pass a made-up ID with a valid check digit.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib/serve.sh"

e2e_cleanup() {
  serve_stop
  rm -rf "$tmp"
}

e2e_store() {
  bin="${FLEXPENSION_BIN:?set FLEXPENSION_BIN}"
  tmp="$(mktemp -d)"
  db="sqlite:$tmp/$1.db"
  trap e2e_cleanup EXIT
}

e2e_grid_and_platform() {
  "$bin" grid add --db "$db" --code g1 --name "西湖网格" >/dev/null
  "$bin" platform add --db "$db" --name "骑手平台P" --credit-code 91350100M000100Y43 >/dev/null
}

e2e_paid_worker() {
  local id=$1
  printf 'id_number,name,phone,hukou_region,grid,pension_from\n%s,王小明,13800000001,zj,g1,2025-09\n' "$id" >"$tmp/workers.csv"
  "$bin" import workers --db "$db" "$tmp/workers.csv" >/dev/null
  printf 'order_id,id_number,amount_yuan,settled_at,order_type,grid\np1,%s,3800.00,2025-09-01T12:00:00,instant_delivery,g1\np2,%s,4100.00,2025-10-01T12:00:00,instant_delivery,g1\n' "$id" "$id" >"$tmp/p.csv"
  "$bin" import earnings --db "$db" --platform 1 "$tmp/p.csv" >/dev/null
  "$bin" settle --db "$db" --month 2025-09 >/dev/null
  "$bin" settle --db "$db" --month 2025-10 >/dev/null
  "$bin" pay --db "$db" --id-number "$id" --month 2025-10 --amount-yuan 2000 --reference bank-1 >/dev/null
}
