#!/usr/bin/env bash
# Transparency-log benchmarks (crates/tlog/examples/bench.rs), several rounds in release:
# (1) append in batches of 10,000 entries of 150 bytes, leaves/s, next to raw SHA-256 over
#     the same bytes in the same run and the ratio; (2) at 10,000,000 leaves, inclusion and
#     consistency proof generation and verification (median over 10,000 random samples).
# Prints each round's figures, then the median of the rounds.
# Targets: append >= 500,000 leaves/s; proof generation <= 50 us; verification <= 20 us.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo build -q --release -p flexpension-tlog --example bench
for r in $(seq "$rounds"); do
  cargo run -q --release -p flexpension-tlog --example bench | awk -v r="$r" '{print r, $0}' | tee -a "$out"
done
echo "median of $rounds rounds:"
awk '{k=$2; v[k]=v[k] " " $3; u[k]=$4} END {for (k in v) print k, u[k], v[k]}' "$out" | sort |
  while read -r k unit vals; do
    med=$(printf '%s\n' $vals | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '  %-32s %s %s\n' "$k" "$med" "$unit"
  done
