#!/usr/bin/env bash
# Transfer benchmark: two real servers on loopback (Zhejiang on SQLite, Anhui on PostgreSQL),
# built in the release profile. For ROUNDS alternating rounds (default 3): one transfer alone (the
# baseline), then TRANSFERS (default 1,000) applied for at once at Anhui; each transfer timed from
# its application to its completion at Anhui as Anhui's store records them. Prints each round and
# the medians: the throughput (transfers over the time from the first application to the last
# completion) and the p50/p99 times. Every round also checks that none is lost (all completed,
# both ledgers balanced, the months counted once). Needs PostgreSQL at 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
n=${TRANSFERS:-1000}
results=$(mktemp)
trap 'rm -f "$results"' EXIT
cargo test --release -q -p flexpension --test transfer_bench --no-run
one_round() {
  TRANSFERS=$1 cargo test --release -q -p flexpension --test transfer_bench -- --ignored --nocapture 2>/dev/null |
    grep '^transfers ' | tee -a "$results"
}
for r in $(seq "$rounds"); do
  echo "round $r"
  one_round 1
  one_round "$n"
done
pick() { awk -v n="$1" -v f="$2" '$2 == n { for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' "$results" | median; }
echo "median of $rounds rounds:"
echo "  one transfer alone: $(pick 1 p50_ms) ms"
echo "  $n at once: $(pick "$n" per_s) transfers/s, p50 $(pick "$n" p50_ms) ms, p99 $(pick "$n" p99_ms) ms, all applied in $(pick "$n" applied_s) s"
