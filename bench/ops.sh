#!/usr/bin/env bash
# The cost of the operations layer on the HTTP path, with wrk (Debian package `wrk`): three
# release servers side by side, interleaved rounds on /healthz and the contribution calculator:
#   plain    `serve` (request ids and one log line per request, no metrics: the default)
#   metrics  `serve --ops-addr 127.0.0.1:0` (the Prometheus recorder on: every request counted)
#   quiet    `serve` with FLEXPENSION_LOG=warn (no request log lines: the log line's own cost)
# Requests/s per round, the medians, and the ratios metrics/plain and quiet/plain.
# Usage: bash bench/ops.sh   (env: ROUNDS=3 DURATION=10s THREADS=2 CONNECTIONS=64)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bench/lib.sh"
source "$root/scripts/lib/serve.sh"
wrk_settings
bin="${FLEXPENSION_BIN:-$root/target/release/flexpension}"
[ -x "$bin" ] || (cd "$root" && cargo build --release -p flexpension)

tmp="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
start() { # NAME ENV... -- ARGS...
  local name=$1 dir="$tmp/$1"
  shift
  mkdir -p "$dir"
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$bin" serve --addr 127.0.0.1:0 "$@" >"$dir/out" 2>"$dir/err" &
  local pid=$!
  pids+=("$pid")
  started="$(wait_listening "$pid" "$dir/out" "$dir/err")"
}
start plain FLEXPENSION_LOG=info --
plain="$started"
start metrics FLEXPENSION_LOG=info -- --ops-addr 127.0.0.1:0
metrics="$started"
start quiet FLEXPENSION_LOG=warn --
quiet="$started"

calc="/api/v1/calc/contribution?region=zj&month=2025-03&income=3800"
echo "wrk -t$threads -c$connections -d$duration, $rounds rounds ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-6s %-12s %12s %12s %12s\n' round path plain metrics quiet
declare -A all
for r in $(seq "$rounds"); do
  for p in healthz calc; do
    path=/healthz
    [ "$p" = calc ] && path="$calc"
    line=""
    for s in plain metrics quiet; do
      v="$(wrk_rps "${!s}$path")"
      all[$p.$s]="${all[$p.$s]:-} $v"
      line="$line $(printf '%12s' "$v")"
    done
    printf '%-6s %-12s%s\n' "$r" "$p" "$line"
  done
done
for p in healthz calc; do
  pm="$(printf '%s\n' ${all[$p.plain]} | median)"
  mm="$(printf '%s\n' ${all[$p.metrics]} | median)"
  qm="$(printf '%s\n' ${all[$p.quiet]} | median)"
  printf '%-6s %-12s %12s %12s %12s\n' median "$p" "$pm" "$mm" "$qm"
  awk -v p="$pm" -v m="$mm" -v q="$qm" -v n="$p" 'BEGIN {printf "%s: metrics/plain %.3f, quiet/plain %.3f\n", n, m / p, q / p}'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
