# Sourced by the store benchmarks (import, ingest, pay, settle): their shared settings and helpers.
#
# Settings: ROUNDS (default 3); FLEXPENSION_TEST_PG (default
# postgres://postgres@127.0.0.1:5432/test); FLEXPENSION_SKIP_PG=1 skips PostgreSQL, SKIP_SQLITE=1
# SQLite.
# `bench_setup EXAMPLE [PREFIX]`: a scratch folder `$work`, removed on exit, and the store's
# example EXAMPLE built for release as `$bin`; with PREFIX, a PostgreSQL schema name of this run
# in `$bench_schema`, dropped on exit.
# `median`: the median of the numbers on stdin, one a line (of two, the lower).
# `bench_secs CMD...`: the seconds CMD takes (its output dropped), from bash's clock.
rounds=${ROUNDS:-3}
pg=${FLEXPENSION_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}
skip_pg=${FLEXPENSION_SKIP_PG:-0}
skip_sqlite=${SKIP_SQLITE:-0}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

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
