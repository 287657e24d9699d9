#!/usr/bin/env bash
# Month-close benchmark. Sets up WORKERS workers (default 1,000,000) enrolled in the employee
# pension with one order each in 2025-09, through the store's bulk worker import and earnings
# ingest (not timed, not HTTP); then, for ROUNDS rounds (default 3), on SQLite and on
# PostgreSQL: the month close of 2025-09 through Store::close_month (enrolments and incomes
# read, rules, ledger entries, journal written, 10,000 workers per transaction) next to the
# rules engine's pure batch_totals on the same incomes in the same run. Each round starts from
# an empty journal. Each round closes twice from the same start: with the tamper-evident log
# (as always in use) and with NOLOG=1 (journal writes not logged), to state what logging costs.
# Prints each round, the medians, the ratio close/batch and the ratio logged/unlogged.
#
# PostgreSQL in a schema of its own, dropped afterwards; settings and skips as in bench/lib.sh.
# CHUNK sets the workers per transaction (default 10,000).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
workers=${WORKERS:-1000000}

bench_setup settle_bench settle_bench

report() {
  local name=$1 file=$2
  local c b u
  c=$(grep 'logged=true' "$file" | grep -o 'close_secs=[0-9.]*' | cut -d= -f2 | median)
  u=$(grep 'logged=false' "$file" | grep -o 'close_secs=[0-9.]*' | cut -d= -f2 | median)
  b=$(grep 'logged=true' "$file" | grep -o 'batch_secs=[0-9.]*' | cut -d= -f2 | median)
  awk -v n="$name" -v c="$c" -v b="$b" -v u="$u" -v w="$workers" \
    'BEGIN { printf "%s: month close of %d worker-months, median %.2f s (%.0f workers/s); rules batch_totals median %.4f s; ratio %.0fx; without the log %.2f s, logged/unlogged %.2fx\n", n, w, c, w / c, b, c / b, u, c / u }'
}

if [ "$skip_sqlite" != 1 ]; then
  echo "setting up $workers workers on SQLite..."
  $bin setup "sqlite:$work/template.db" "$workers"
  for r in $(seq "$rounds"); do
    for nolog in 0 1; do
      cp "$work/template.db" "$work/round.db"
      NOLOG=$nolog $bin close "sqlite:$work/round.db" | tee -a "$work/sqlite.txt"
      rm -f "$work/round.db" "$work/round.db-wal" "$work/round.db-shm"
    done
  done
fi

if [ "$skip_pg" != 1 ]; then
  echo "setting up $workers workers on PostgreSQL..."
  $bin setup "$pg" "$workers" "$bench_schema"
  for r in $(seq "$rounds"); do
    for nolog in 0 1; do
      $bin reset "$pg" "$bench_schema"
      NOLOG=$nolog $bin close "$pg" "$bench_schema" | tee -a "$work/postgres.txt"
    done
  done
fi

if [ "$skip_sqlite" != 1 ]; then report SQLite "$work/sqlite.txt"; fi
if [ "$skip_pg" != 1 ]; then report PostgreSQL "$work/postgres.txt"; fi
