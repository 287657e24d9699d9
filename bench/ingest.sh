#!/usr/bin/env bash
# Earnings ingest benchmark. Generates a CSV of ROWS settled orders (default 1,000,000) for
# WORKERS registered workers (default 10,000), then, for ROUNDS rounds (default 3), on SQLite and
# on PostgreSQL: the end-to-end ingest through Store::ingest_earnings (parse, checks,
# idempotency, premium, aggregates, commit every 50,000 rows) next to a raw bulk load of the same
# file into the same database (sqlite3 .import / psql \copy into an unindexed text table).
# Prints each round, the medians and the ratio api/raw. Then the peak memory (max RSS) of the
# ingest streaming a BIG_ROWS-row file (default 10,000,000; BIG_ROWS=0 skips it).
#
# Each round on PostgreSQL uses a schema of its own, dropped afterwards. The settings (the
# server, skipping a backend, ROUNDS) are bench/lib.sh's.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
rows=${ROWS:-1000000}
workers=${WORKERS:-10000}
big=${BIG_ROWS:-10000000}

bench_setup ingest_bench
$bin gen "$work/data" "$rows" "$workers"
orders="$work/data/orders.csv"
people="$work/data/workers.csv"
results="$work/results"

# rows/s of a command.
timed_rate() { awk -v n="$rows" -v s="$(bench_secs "$@")" 'BEGIN { printf "%.0f", n / s }'; }

api_rate() { grep -o 'rows_per_s=[0-9]*' | cut -d= -f2; }

for r in $(seq "$rounds"); do
  if [ "$skip_sqlite" != 1 ]; then
    db="$work/r$r.db"
    api=$($bin run "sqlite:$db" "$people" "$orders" 2>/dev/null | api_rate)
    raw=$(timed_rate sqlite3 "$db" ".import --csv $orders raw")
    echo "round $r sqlite api $api raw $raw" | tee -a "$results"
    rm -f "$db" "$db-wal" "$db-shm"
  fi
  if [ "$skip_pg" != 1 ]; then
    schema="bench_ingest_$$_$r"
    api=$($bin run "$pg" "$people" "$orders" "$schema" 2>/dev/null | api_rate)
    secs=$(pg_copy_secs "$schema" "order_id text, id_number text, amount_yuan text, settled_at text, order_type text, grid text" "$orders")
    raw=$(awk -v n="$rows" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
    echo "round $r postgres api $api raw $raw" | tee -a "$results"
  fi
done
echo "median of $rounds rounds, $rows rows, $workers workers (rows/s):"
backend_summary "$results" "$rows" 'BEGIN { printf "  %-8s api %8d   raw %-15s %8d   api/raw %.2f\n", b, a, base, r, a / r }'

if [ "$big" -gt 0 ]; then
  rm -rf "$work/data"
  $bin gen "$work/big" "$big" "$workers"
  # Max RSS of the whole run (setup included) and the ingest's own rate.
  peak() {
    /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/out.txt" 2>/dev/null
    awk -F': ' '/Maximum resident set size/ { printf "max RSS %.0f MB", $2 / 1024 }' "$work/time.txt"
    printf ", %s rows/s\n" "$(api_rate <"$work/out.txt")"
  }
  echo "peak memory streaming $big rows (50,000 rows per transaction):"
  echo "  sqlite   $(peak $bin run "sqlite:$work/big.db" "$work/big/workers.csv" "$work/big/orders.csv")"
  rm -f "$work/big.db"*
  if [ "$skip_pg" != 1 ]; then
    schema="bench_ingest_big_$$"
    echo "  postgres $(peak $bin run "$pg" "$work/big/workers.csv" "$work/big/orders.csv" "$schema")"
    psql -q "$pg" -c "DROP SCHEMA $schema CASCADE" 2>/dev/null
  fi
fi
