#!/usr/bin/env bash
# Rules-core benchmarks, three rounds: batch contribution (worker-months/s on one core, next to
# a plain sum of the same incomes as baseline) and one fully explained calculation.
# Prints each round's figures, then the median of the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
out=$(mktemp)
for r in $(seq "$rounds"); do
  taskset -c 0 cargo bench -q -p flexpension-rules --bench rules -- --noplot 2>/dev/null |
    awk -v r="$r" '/^[a-z_]+\// {name=$1; t=0; p=0} /time:/ && !t {print r, name, $4, $5; t=1} /thrpt:/ && !p {print r, name"_thrpt", $4, $5; p=1}' | tee -a "$out"
done
echo "median of $rounds rounds:"
awk '{k=$2; v[k]=v[k] " " $3; u[k]=$4} END {for (k in v) print k, v[k], u[k]}' "$out" | sort | while read -r k vals; do
  unit=${vals##* }; nums=${vals% *}
  med=$(printf '%s\n' $nums | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '  %-45s %s %s\n' "$k" "$med" "$unit"
done
rm -f "$out"
