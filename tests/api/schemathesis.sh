#!/usr/bin/env bash
# Schemathesis against the real server: a fresh demo store (a small population, a year of orders
# through the API, months closed and paid, demo logins) served on a free loopback port, plus a
# platform registered for its API key; then every operation of the served OpenAPI document as
# each role (anonymous, worker, officer, platform). Fails on any server error or any answer the
# document does not describe. Needs the schemathesis venv that scripts/setup-test-deps.sh makes.
# Usage: FLEXPENSION_BIN=... bash tests/api/schemathesis.sh   (SCHEMATHESIS_SECONDS per role, default 40)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="$here/.venv/bin/python"
[ -x "$py" ] || { echo "no schemathesis venv: run scripts/setup-test-deps.sh" >&2; exit 1; }

bin="${FLEXPENSION_BIN:-$root/target/debug/flexpension}"
if [ ! -x "$bin" ]; then
  (cd "$root" && cargo build --quiet -p flexpension)
fi

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" demo --data "$tmp/demo" --workers 200 --addr 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
pid=$!
source "$root/tests/e2e/listening.sh"
base="$(wait_listening "$pid" "$tmp/out" "$tmp/err")"
# The demo serves while it builds its data (its orders go through the API): wait for its guide.
for _ in $(seq 600); do
  grep -q "Stop with Ctrl-C" "$tmp/out" && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/out" "$tmp/err" >&2; exit 1; }
  sleep 0.1
done
grep -q "Stop with Ctrl-C" "$tmp/out" || { echo "the demo did not finish its setup in 60 s" >&2; cat "$tmp/err" >&2; exit 1; }
echo "demo server at $base"

key="$("$bin" platform add --db "sqlite:$tmp/demo/flexpension.db" --name "接口测试平台" --credit-code 91350100M000100Y43 --json |
  "$py" -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')"

# From the temporary directory: schemathesis and hypothesis keep their caches in the working one.
cd "$tmp"
"$py" "$here/run.py" "$base" "$key" "${SCHEMATHESIS_SECONDS:-40}"
