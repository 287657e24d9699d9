#!/usr/bin/env bash
# Worker import benchmark. Generates a CSV of WORKERS workers (default 1,000,000) with the testkit
# generators (distinct valid resident IDs, names, phones, 100 grids, every row with pension_from),
# then, for ROUNDS alternating rounds (default 3), on SQLite and on PostgreSQL: the import through
# Store::import_workers (every check, keyed hashes, salted ID commitments, the log's `workers` and
# `enrolments` entries, enrolments; 50,000 rows per transaction) next to a raw bulk load of the
# same file into the same kind of database (sqlite3 .import: one prepared INSERT per row in one
# transaction; psql \copy into a plain table of text columns). Prints each round, the medians and
# the ratio raw/api (how many times slower the import is than the raw load). The import is also
# run a second time on the same store (every row a duplicate) and that rate printed.
#
# Each round on PostgreSQL uses a schema of its own, dropped afterwards. The settings (the
# server, skipping a backend, ROUNDS) are bench/lib.sh's.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
workers=${WORKERS:-1000000}

bench_setup import_bench
file="$work/workers.csv"
$bin gen "$file" "$workers"
results="$work/results"

field() { grep "^$1 " | grep -o "$2=[0-9.]*" | cut -d= -f2; }
cols="id_number text, name text, phone text, hukou_region text, grid text, pension_from text"

for r in $(seq "$rounds"); do
  if [ "$skip_sqlite" != 1 ]; then
    db="$work/r$r.db"
    out=$($bin run "sqlite:$db" "$file" 2>/dev/null)
    raw=$(bench_secs sqlite3 "$work/raw$r.db" "CREATE TABLE raw ($cols);" ".import --csv --skip 1 $file raw")
    echo "round $r sqlite api $(echo "$out" | field import secs) raw $raw again $(echo "$out" | field again secs)" | tee -a "$results"
    rm -f "$db" "$db-wal" "$db-shm" "$work/raw$r.db"
  fi
  if [ "$skip_pg" != 1 ]; then
    schema="bench_import_$$_$r"
    out=$($bin run "$pg" "$file" "$schema" 2>/dev/null)
    raw=$(pg_copy_secs "$schema" "$cols" "$file")
    echo "round $r postgres api $(echo "$out" | field import secs) raw $raw again $(echo "$out" | field again secs)" | tee -a "$results"
  fi
done
echo "median of $rounds rounds, $workers workers (seconds):"
backend_summary "$results" "$workers" \
  'BEGIN { printf "  %-8s import %6.2f s (%7.0f/s)   raw %-15s %6.2f s   import/raw %.2f   again %6.2f s\n", b, a, n / a, base, r, a / r, g }'
