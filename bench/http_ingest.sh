#!/usr/bin/env bash
# Throughput of the platform earnings endpoint (POST /api/v1/platform/earnings) of the release
# server on SQLite, over loopback: signed CSV batches of BATCH rows, ROWS rows per round, a fresh
# store each round (platform, grid, WORKERS workers made with the CLI), rows/s per round and the
# median. The client (crates/server/examples/ingest_client.rs) makes its bodies before the clock
# starts and checks every row was accepted.
# Usage: bash bench/http_ingest.sh   (env: ROUNDS=3 ROWS=300000 BATCH=5000 CONCURRENCY=1 WORKERS=2000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bench/lib.sh"
rows="${ROWS:-300000}"
batch="${BATCH:-5000}"
concurrency="${CONCURRENCY:-1}"
workers="${WORKERS:-2000}"

(cd "$root" && cargo build --release --quiet -p flexpension && cargo build --release --quiet -p flexpension-server --example ingest_client)
bin="$root/target/release/flexpension"
client="$root/target/release/examples/ingest_client"

source "$root/scripts/lib/serve.sh"
work="$(mktemp -d)"
cleanup() {
  serve_stop
  rm -rf "$work"
}
trap cleanup EXIT


echo "POST /api/v1/platform/earnings: $rows rows per round in signed CSV batches of $batch, concurrency $concurrency, $workers workers, SQLite, $(nproc) cores"
all=""
for r in $(seq "$rounds"); do
  dir="$work/round$r"
  mkdir -p "$dir"
  db="sqlite:$dir/bench.db"
  key="$("$bin" platform add --name "平台$r" --credit-code 91350100M000100Y43 --json --db "$db" | sed -n 's/.*"api_key": "\(fpk_[0-9a-f]*\)".*/\1/p')"
  [ -n "$key" ] || { echo "no API key" >&2; exit 1; }
  "$bin" grid add --code g1 --name "网格1" --db "$db" >/dev/null
  "$client" workers "$workers" >"$dir/workers.csv"
  "$bin" import workers "$dir/workers.csv" --db "$db" >/dev/null
  serve_start "$dir" "$bin" serve --addr 127.0.0.1:0 --db "$db"
  result="$("$client" post "$serve_base" "$key" "$rows" "$batch" "$concurrency" "$workers")"
  serve_stop
  rps="$(sed -n 's/.*rows_per_s=\([0-9]*\).*/\1/p' <<<"$result")"
  echo "round $r: $result"
  all="$all $rps"
done
echo "median rows/s: $(printf "%s\n" $all | median)"
