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
# `wrk_settings`: wrk's settings DURATION (10s), THREADS (2) and CONNECTIONS (64) as `$duration`,
# `$threads` and `$connections`; exits when wrk (Debian package `wrk`) is missing.
# `wrk_rps URL`: the requests/s of one wrk run on URL with those settings; exits when any answer
# is not a 2xx (a fast stream of errors is not a result).
# `backend_summary RESULTS N PROGRAM`: for each backend with rounds in RESULTS, run the awk
# PROGRAM with b (the backend), a, r and g (the medians of fields 5, 7 and 9: api, raw, again),
# base (its `raw_load`) and n (N, the rows of a round).
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

wrk_settings() {
  duration="${DURATION:-10s}"
  threads="${THREADS:-2}"
  connections="${CONNECTIONS:-64}"
  command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
}

wrk_rps() {
  local report
  report="$(wrk -t"$threads" -c"$connections" -d"$duration" "$1")"
  if grep -q "Non-2xx" <<<"$report"; then
    echo "$1 answered errors:" >&2
    echo "$report" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$report"
}

backend_summary() {
  local results=$1 n=$2 program=$3 backend
  for backend in sqlite postgres; do
    grep -q " $backend " "$results" || continue
    # The name through the environment: awk -v would read its backslash as an escape.
    BASE="$(raw_load "$backend")" awk -v b="$backend" -v n="$n" \
      -v a="$(backend_median "$backend" 5 "$results")" \
      -v r="$(backend_median "$backend" 7 "$results")" \
      -v g="$(backend_median "$backend" 9 "$results")" 'BEGIN { base = ENVIRON["BASE"] } '"$program"
  done
}
