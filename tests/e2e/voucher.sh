#!/usr/bin/env bash
# The contribution voucher end to end: seed a store with the CLI (a worker, a month of orders,
# the month closed and paid), start two witnesses and the server, issue a voucher with the CLI,
# then: pdftotext finds its Chinese text; zbarimg decodes its QR code to the verify URL;
# `flexpension verify` accepts it offline and refuses it with one amount changed; a real browser
# opens the verify URL and reads "verified", and "not verified" once the stored voucher is
# altered. Test data only: made-up IDs with valid check digits.
# Usage: FLEXPENSION_BIN=... bash tests/e2e/voucher.sh (run.sh calls it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${FLEXPENSION_BIN:?set FLEXPENSION_BIN}"
for tool in pdftotext pdftoppm pdfdetach zbarimg python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/setup-test-deps.sh" >&2; exit 1; }
done
tmp="$(mktemp -d)"
db="sqlite:$tmp/voucher.db"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
source "$here/listening.sh"

# Start a command that prints "listening on http://..." first; its address goes to $started.
# (Not run in a $(...) subshell, so that its pid reaches the cleanup.)
start() {
  local name=$1; shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  started="$(wait_listening "$!" "$tmp/$name.out" "$tmp/$name.err")"
}

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
log_key="$("$bin" log key --db "$db")"

# Two witnesses with their own keys, then the server asking both to cosign.
wkeys=()
wspecs=()
for w in zj-union zj-audit; do
  k="$("$bin" witness --new-key "$tmp/$w.key" --name "$w")"
  start "$w" "$bin" witness --key "$tmp/$w.key" --log-key "$log_key" --state "$tmp/$w.state" --addr 127.0.0.1:0
  url="$started"
  wkeys+=(--witness-key "$k")
  wspecs+=(--witness "$url=$k")
done
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
start server "$bin" serve --db "$db" --addr "127.0.0.1:$port" "${wspecs[@]}"
base="$started"
echo "voucher server at $base"

"$bin" voucher --db "$db" --id-number "$id" --out "$tmp/v.pdf" --public-url "$base"

text="$(pdftotext "$tmp/v.pdf" -)"
for want in 参保缴费凭证 王小明 3301**********0018 2025-09 2025-10; do
  grep -qF -- "$want" <<<"$text" || { echo "pdftotext: '$want' not in the voucher" >&2; echo "$text" >&2; exit 1; }
done
pdftoppm -r 150 -png "$tmp/v.pdf" "$tmp/page"
url="$(zbarimg --raw -q "$tmp"/page-1.png | head -n 1)"
case "$url" in
  "$base/verify/voucher/"*) echo "QR code: $url" ;;
  *) echo "the QR code decodes to '$url', not a verify URL of $base" >&2; exit 1 ;;
esac

# Offline: the PDF verifies with the region's key; with one amount changed it does not.
"$bin" verify "$tmp/v.pdf" --log-key "$log_key" | tee "$tmp/verify.txt"
grep -q '^VERIFIED' "$tmp/verify.txt"
pdfdetach -save 1 -o "$tmp/payload.json" "$tmp/v.pdf"
python3 - "$tmp/payload.json" <<'PY'
import json, re, sys
p = json.load(open(sys.argv[1]))
note = p["bundle"]["voucher"]
changed = re.sub(r'"paid_fen":(\d+)', lambda m: '"paid_fen":%d' % (int(m.group(1)) + 100), note, count=1)
assert changed != note, "no amount to change"
p["bundle"]["voucher"] = changed
json.dump(p, open(sys.argv[1], "w"))
PY
if "$bin" verify "$tmp/payload.json" --log-key "$log_key" >"$tmp/tampered.txt" 2>&1; then
  echo "a voucher with a changed amount was accepted" >&2; cat "$tmp/tampered.txt" >&2; exit 1
fi
grep -q '^FAIL voucher' "$tmp/tampered.txt" || { cat "$tmp/tampered.txt" >&2; exit 1; }
echo "changed amount refused: $(grep '^FAIL' "$tmp/tampered.txt")"

# The witnesses' cosignatures are on the checkpoint the page checks against.
sleep 0.5
cd "$here"
VERIFY_URL="$url" DB_FILE="$tmp/voucher.db" node --test --test-concurrency=1 voucher.test.mjs
