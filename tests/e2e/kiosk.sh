#!/usr/bin/env bash
# The self-service terminal (智能自助终端) in a browser at 1080 × 1920: seed a store with the CLI
# (a worker with an account, two months of orders, closed, one paid), start `serve --db` with
# `--sms-file` (texts go to a file instead of an SMS gateway) and run kiosk.test.mjs, which
# reads the sign-in code from that file. Screenshots go to docs/screens/ when SCREENS_DIR is
# set (UPDATE_SCREENS=1 sets it to the repository's docs/screens).
# Test data only: made-up IDs with valid check digits.
# Usage: FLEXPENSION_BIN=... bash tests/e2e/kiosk.sh (run.sh calls it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${FLEXPENSION_BIN:?set FLEXPENSION_BIN}"
tmp="$(mktemp -d)"
db="sqlite:$tmp/kiosk.db"
source "$root/scripts/lib/serve.sh"
cleanup() {
  serve_stop
  rm -rf "$tmp"
}
trap cleanup EXIT

id=330106199001010018
"$bin" grid add --db "$db" --code g1 --name "西湖网格" >/dev/null
"$bin" platform add --db "$db" --name "骑手平台P" --credit-code 91350100M000100Y43 >/dev/null
printf 'id_number,name,phone,hukou_region,grid,pension_from\n%s,王小明,13800000001,zj,g1,2025-09\n' "$id" >"$tmp/workers.csv"
"$bin" import workers --db "$db" "$tmp/workers.csv" >/dev/null
printf 'order_id,id_number,amount_yuan,settled_at,order_type,grid\np1,%s,3800.00,2025-09-01T12:00:00,instant_delivery,g1\np2,%s,4100.00,2025-10-01T12:00:00,instant_delivery,g1\n' "$id" "$id" >"$tmp/p.csv"
"$bin" import earnings --db "$db" --platform 1 "$tmp/p.csv" >/dev/null
"$bin" settle --db "$db" --month 2025-09 >/dev/null
"$bin" settle --db "$db" --month 2025-10 >/dev/null
"$bin" pay --db "$db" --id-number "$id" --month 2025-10 --amount-yuan 2000 --reference bank-1 >/dev/null

sms="$tmp/sms.txt"
FLEXPENSION_BOOTSTRAP_PEOPLE="worker:1:13800000001:e2e-password-1" \
  serve_start "$tmp" "$bin" serve --db "$db" --addr 127.0.0.1:0 --sms-file "$sms"
base="$serve_base"
echo "kiosk server at $base"
screens="${SCREENS_DIR:-}"
if [ "${UPDATE_SCREENS:-}" = 1 ]; then screens="$root/docs/screens"; mkdir -p "$screens"; fi
cd "$here"
BASE_URL="$base" SMS_FILE="$sms" KIOSK_ID="$id" SCREENS_DIR="$screens" node --test --test-concurrency=1 kiosk.test.mjs
