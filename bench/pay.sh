#!/usr/bin/env bash
# Batch-payment benchmark. Sets up WORKERS workers (default 200,000) enrolled in the employee
# pension with one order each in 2025-09 and closes 2025-09 (not timed); then, for ROUNDS rounds
# (default 3), on SQLite and on PostgreSQL, from that same closed month: every worker pays the
# month in full, all but the last 1,000 through one payment file (Store::pay_file, the path of
# `flexpension pay --file` and POST /api/v1/officer/payments) and those 1,000 one by one
# (Store::pay, the path of `flexpension pay`), the same run's baseline. Prints each round, the
# medians and the ratio file/single in payments per second.
#
# PostgreSQL in a schema of its own, dropped afterwards; settings and skips as in bench/lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
workers=${WORKERS:-200000}

bench_setup settle_bench pay_bench

report() {
  local name=$1 file=$2 f s
  f=$(grep -o 'file_per_sec=[0-9.]*' "$file" | cut -d= -f2 | median)
  s=$(grep -o 'single_per_sec=[0-9.]*' "$file" | cut -d= -f2 | median)
  awk -v n="$name" -v f="$f" -v s="$s" \
    'BEGIN { printf "%s: payment file median %.0f payments/s; single payments median %.0f payments/s; ratio %.1fx\n", n, f, s, f / s }'
}

if [ "$skip_sqlite" != 1 ]; then
  echo "setting up $workers workers on SQLite..."
  $bin setup "sqlite:$work/template.db" "$workers"
  $bin close "sqlite:$work/template.db" >/dev/null
  for r in $(seq "$rounds"); do
    cp "$work/template.db" "$work/round.db"
    $bin pay "sqlite:$work/round.db" | tee -a "$work/sqlite.txt"
    rm -f "$work/round.db" "$work/round.db-wal" "$work/round.db-shm"
  done
fi

if [ "$skip_pg" != 1 ]; then
  echo "setting up $workers workers on PostgreSQL..."
  $bin setup "$pg" "$workers" "$bench_schema"
  for r in $(seq "$rounds"); do
    $bin reset "$pg" "$bench_schema"
    $bin close "$pg" "$bench_schema" >/dev/null
    $bin pay "$pg" "$bench_schema" | tee -a "$work/postgres.txt"
  done
fi

if [ "$skip_sqlite" != 1 ]; then report SQLite "$work/sqlite.txt"; fi
if [ "$skip_pg" != 1 ]; then report PostgreSQL "$work/postgres.txt"; fi
