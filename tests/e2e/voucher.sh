#!/usr/bin/env bash
# The contribution voucher end to end: seed a store with the CLI (a worker, a month of orders,
# the month closed and paid), start two witnesses and the server, issue a voucher with the CLI,
# then: pdftotext finds its Chinese text and its check code; zbarimg decodes its QR code to the
# verify URL with the code; `flexpension verify` accepts it offline, lists the signed figures, and
# refuses it with one amount changed in its data and with one printed figure changed on its page
# (naming the figure); a real browser logs the worker in and issues a voucher with the button on
# /me, opens the verify URL and reads "verified", is asked for the code without it, gets the same
# answer for a wrong code as for an unknown number, and reads "not verified" once the stored
# voucher is altered. Test data only: made-up IDs with valid check digits.
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
source "$here/lib.sh"

# Start a command that prints "listening on http://..." first; its address goes to $started.
# (Not run in a $(...) subshell, so that its pid reaches the cleanup.)
start() {
  local name=$1; shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  started="$(wait_listening "$!" "$tmp/$name.out" "$tmp/$name.err")"
}

id=330106199001010018
e2e_grid_and_platform
e2e_paid_worker "$id"
log_key="$("$bin" log key --db "$db")"

# Two witnesses with their own keys, then the server asking both to cosign.
wspecs=()
for w in zj-union zj-audit; do
  k="$("$bin" witness --new-key "$tmp/$w.key" --name "$w")"
  start "$w" "$bin" witness --key "$tmp/$w.key" --log-key "$log_key" --state "$tmp/$w.state" --addr 127.0.0.1:0
  url="$started"
  wspecs+=(--witness "$url=$k")
done
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
FLEXPENSION_BOOTSTRAP_PEOPLE="worker:1:13800000001:e2e-password-1" \
  start server "$bin" serve --db "$db" --addr "127.0.0.1:$port" "${wspecs[@]}"
base="$started"
echo "voucher server at $base"

"$bin" voucher --db "$db" --id-number "$id" --out "$tmp/v.pdf" --public-url "$base" | tee "$tmp/issued.txt"
code="$(sed -n 's/^check code \([0-9A-Z]\{4\}-[0-9A-Z]\{4\}\) .*/\1/p' "$tmp/issued.txt")"
[ -n "$code" ] || { echo "no check code in the voucher command's output" >&2; exit 1; }

text="$(pdftotext "$tmp/v.pdf" -)"
for want in 参保缴费凭证 王小明 3301**********0018 2025-09 2025-10 "核验码：$code"; do
  grep -qF -- "$want" <<<"$text" || { echo "pdftotext: '$want' not in the voucher" >&2; echo "$text" >&2; exit 1; }
done
pdftoppm -r 150 -png "$tmp/v.pdf" "$tmp/page"
url="$(zbarimg --raw -q "$tmp"/page-1.png | head -n 1)"
case "$url" in
  "$base/verify/voucher/ZJ-"*"?code=$code") echo "QR code: $url" ;;
  *) echo "the QR code decodes to '$url', not a verify URL of $base with the code $code" >&2; exit 1 ;;
esac

# Offline: the PDF verifies with the region's key; with one amount changed it does not.
"$bin" verify "$tmp/v.pdf" --log-key "$log_key" | tee "$tmp/verify.txt"
grep -q '^VERIFIED' "$tmp/verify.txt"
grep -q '^ok   voucher page: ' "$tmp/verify.txt"
grep -q "check code $code" "$tmp/verify.txt"
grep -Eq '^ +2025-10 +[0-9]+\.[0-9]{2} ' "$tmp/verify.txt" || { echo "verify lists no signed figures" >&2; exit 1; }

# The printed page edited as a PDF editor would (one glyph of a figure swapped in the content
# stream; the attached data untouched): pdftotext reads the new figure, verify names it.
python3 - "$tmp/v.pdf" "$tmp/edited.pdf" >"$tmp/edit.txt" <<'PY'
import re, sys, zlib
pdf = open(sys.argv[1], "rb").read()
x = pdf.rindex(b"\nxref\n") + 1
rows = pdf[x:].split(b"\n")
count = int(rows[1].split()[1])
offsets = sorted((int(r[:10]), n) for n, r in enumerate(rows[2:2 + count]) if r.strip().endswith(b"n"))
objs = {}
for k, (at, n) in enumerate(offsets):
    objs[n] = pdf[at:offsets[k + 1][0] if k + 1 < len(offsets) else x]
trailer = pdf[pdf.rindex(b"trailer") + 7:pdf.rindex(b"startxref")].strip()
def stream(o):
    s = o.index(b"stream\n") + 7
    return zlib.decompress(o[s:o.rindex(b"\nendstream")])
cmap = next(stream(o) for o in objs.values() if b"/Type/CMap" in o)
code = {chr(int(u, 16)): int(c, 16) for c, u in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", cmap)}
char = {v: k for k, v in code.items()}
page = next(o for o in objs.values() if b"/Type/Page/" in o or b"/Type/Page>" in o)
num = int(re.search(rb"/Contents (\d+) 0 R", page).group(1))
content = stream(objs[num])
def unescape(s):
    return re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                  else {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(m.group(1), m.group(1)), s, flags=re.S)
# The figures in drawing order: the first month's base, due, paid, …; change its paid figure.
figures = 0
for m in re.finditer(rb"\[\(((?:\\.|[^\\)])*)\)\]TJ", content, re.S):
    raw = unescape(m.group(1))
    text = "".join(char.get(int.from_bytes(raw[i:i + 2], "big"), "?") for i in range(0, len(raw), 2))
    if re.fullmatch(r"\d+\.\d\d", text):
        figures += 1
    if figures == 3 and re.fullmatch(r"[2-9]\d*\.\d\d", text) and "1" in code:
        new = "1" + text[1:]
        data = b"".join(code[c].to_bytes(2, "big") for c in new)
        esc = b"".join(b"\\%03o" % b for b in data)
        content = content[:m.start(1)] + esc + content[m.end(1):]
        print(text, new)
        break
else:
    sys.exit("no figure to change")
z = zlib.compress(content)
objs[num] = b"%d 0 obj\n<</Length %d/Filter/FlateDecode>>\nstream\n" % (num, len(z)) + z + b"\nendstream\nendobj\n"
out = bytearray(b"%PDF-1.7\n%\x80\x80\x80\x80\n")
at = {}
for n in sorted(objs):
    at[n] = len(out)
    out += objs[n]
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (max(objs) + 1)
for n in range(1, max(objs) + 1):
    out += b"%010d 00000 n \n" % at[n]
out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF" % xref
open(sys.argv[2], "wb").write(out)
PY
read -r was now <"$tmp/edit.txt"
pdftotext "$tmp/edited.pdf" - | grep -qF "$now" || { echo "the edited page does not read $now" >&2; exit 1; }
if "$bin" verify "$tmp/edited.pdf" --log-key "$log_key" >"$tmp/edited.txt" 2>&1; then
  echo "a voucher with a printed figure changed ($was -> $now) was accepted" >&2; cat "$tmp/edited.txt" >&2; exit 1
fi
grep -F "FAIL voucher page: " "$tmp/edited.txt" | grep -qF "signed “$was”, printed “$now”" || { cat "$tmp/edited.txt" >&2; exit 1; }
echo "printed figure changed and refused: $(grep '^FAIL' "$tmp/edited.txt")"
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
VERIFY_URL="$url" CHECK_CODE="$code" BASE_URL="$base" DB_FILE="$tmp/voucher.db" node --test --test-concurrency=1 voucher.test.mjs
