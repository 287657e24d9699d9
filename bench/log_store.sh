#!/usr/bin/env bash
# The log's integration through the store: WORKERS workers (default 200,000) registered and
# enrolled and one order each (bench/settle.sh's setup: every registration batch, enrolment and
# earnings batch is a log entry), then, for ROUNDS rounds (default 3) from a copy of that store,
# the integration of every entry: leaf hashes, stored hashes written, checkpoint signed.
# SQLite; PostgreSQL too unless FLEXPENSION_SKIP_PG=1. Prints each round and the median.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${WORKERS:-200000}
rounds=${ROUNDS:-3}
pg=${FLEXPENSION_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}
skip_pg=${FLEXPENSION_SKIP_PG:-0}
work=$(mktemp -d)
schema="log_bench_$$"
cleanup() {
  rm -rf "$work"
  if [ "$skip_pg" != 1 ]; then psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
cargo build --release -q -p flexpension-store --example settle_bench
bin=${CARGO_TARGET_DIR:-target}/release/examples/settle_bench
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

$bin setup "sqlite:$work/template.db" "$workers"
for r in $(seq "$rounds"); do
  cp "$work/template.db" "$work/round.db"
  $bin integrate "sqlite:$work/round.db" | tee -a "$work/sqlite.txt"
  rm -f "$work/round.db" "$work/round.db-wal" "$work/round.db-shm"
done
echo "SQLite: integration median $(grep -o 'leaves_per_sec=[0-9]*' "$work/sqlite.txt" | cut -d= -f2 | median) entries/s"

if [ "$skip_pg" != 1 ]; then
  # PostgreSQL has no cheap copy of a database: one round on a fresh setup.
  $bin setup "$pg" "$workers" "$schema"
  $bin integrate "$pg" "$schema" | tee -a "$work/pg.txt"
  echo "PostgreSQL: integration $(grep -o 'leaves_per_sec=[0-9]*' "$work/pg.txt" | cut -d= -f2 | median) entries/s"
fi
