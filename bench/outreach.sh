#!/usr/bin/env bash
# The policy-fit profile at provincial scale: `flexpension outreach score` of WORKERS workers
# (default 1 M, a synthetic table) with a model fitted on 100,000 others, whole process (reading
# the CSV, scoring, the scheme and three reasons per worker, writing the CSV), against a raw pass
# of awk over the same file (reading and summing one column) in alternating rounds; medians and
# the ratio. The target: ≤ 5 s for 1 M workers.
# Usage: bash bench/outreach.sh   (env: ROUNDS=3 WORKERS=1000000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bench/lib.sh"
workers="${WORKERS:-1000000}"

(cd "$root" && cargo build --release --quiet -p flexpension)
bin="${CARGO_TARGET_DIR:-$root/target}/release/flexpension"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" outreach synth --workers 100000 --seed 1 --out "$work/train.csv" >/dev/null
"$bin" outreach fit --train "$work/train.csv" --model "$work/model.json" >/dev/null
"$bin" outreach synth --workers "$workers" --seed 2 --out "$work/score.csv" >/dev/null
echo "load $(cut -d' ' -f1-3 /proc/loadavg); $workers workers, $(du -h "$work/score.csv" | cut -f1) of CSV"
results="$work/results"
for r in $(seq 1 "$rounds"); do
  score=$(bench_secs "$bin" outreach score --in "$work/score.csv" --model "$work/model.json" --month 2025-09)
  raw=$(bench_secs awk -F, 'NR > 1 { s += $6 } END { print s }' "$work/score.csv")
  echo "round $r score $score awk $raw" | tee -a "$results"
done
s=$(awk '{ print $4 }' "$results" | median)
a=$(awk '{ print $6 }' "$results" | median)
awk -v s="$s" -v a="$a" -v n="$workers" -v R="$rounds" \
  'BEGIN { printf "median of %d rounds: score %.3f s (%.0f workers/s), awk %.3f s, score/awk %.2f\n", R, s, n / s, a, s / a }'
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
