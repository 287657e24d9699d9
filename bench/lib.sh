# Sourced by the benchmarks: their shared settings and helpers.
#
# Settings: ROUNDS (default 3); FLEXPENSION_TEST_PG (default
# postgres://postgres@127.0.0.1:5432/test); FLEXPENSION_SKIP_PG=1 skips PostgreSQL, SKIP_SQLITE=1
# SQLite.
# `bench_setup EXAMPLE [PREFIX]`: a scratch folder `$work`, removed on exit, and the store's
# example EXAMPLE built for release as `$bin`; with PREFIX, a PostgreSQL schema name of this run
# in `$bench_schema`, dropped on exit.
# `median`: the median of the numbers on stdin, one a line (of two, the lower).
# `bench_secs CMD...`: the seconds CMD takes (its output dropped), from bash's clock.
# `backend_median BACKEND N FILE`: the median of field N of FILE's lines `round R BACKEND ...`.
# `pg_copy_secs SCHEMA COLUMNS FILE`: the seconds `psql \copy` takes to load FILE (CSV with a
# header) into a new table of text COLUMNS in SCHEMA; the schema is dropped afterwards.
# `raw_load BACKEND`: the name of the raw bulk load a backend's figures are measured against.
rounds=${ROUNDS:-3}
pg=${FLEXPENSION_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}
skip_pg=${FLEXPENSION_SKIP_PG:-0}
skip_sqlite=${SKIP_SQLITE:-0}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

backend_median() { awk -v b="$1" -v n="$2" '$3 == b { print $n }' "$3" | median; }

raw_load() { if [ "$1" = sqlite ]; then echo "sqlite3 .import"; else echo 'psql \copy'; fi; }

pg_copy_secs() {
  psql -q "$pg" -c "CREATE TABLE $1.raw ($2)"
  bench_secs psql -q "$pg" -c "SET search_path TO $1" -c "\\copy raw FROM '$3' CSV HEADER"
  psql -q "$pg" -c "DROP SCHEMA $1 CASCADE" 2>/dev/null
}

bench_secs() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

bench_cleanup() {
  rm -rf "$work"
  if [ -n "$bench_schema" ] && [ "$skip_pg" != 1 ]; then
    psql -q "$pg" -c "DROP SCHEMA IF EXISTS $bench_schema CASCADE" >/dev/null 2>&1 || true
  fi
}

bench_setup() {
  local example=$1
  bench_schema=${2:+${2}_$$}
  work=$(mktemp -d)
  trap bench_cleanup EXIT
  cargo build --release -q -p flexpension-store --example "$example"
  bin=${CARGO_TARGET_DIR:-target}/release/examples/$example
}
