#!/usr/bin/env bash
# Risk-monitoring benchmark. Sets up WORKERS registered workers (default 1,000,000), one in ten
# enrolled, with MONTHS months of platform income (default 36, ending 2026-12; each worker earns
# in a month with a chance of 70%) through the store's bulk worker import, earnings ingest,
# month closes and one payment file (not timed, not HTTP; see monitor_bench.rs). The last ROUNDS
# months (default 3) are left open; round r then, on SQLite and on PostgreSQL, closes the r-th of
# them through Store::close_month (the baseline) and runs the monitor for that month through
# Store::monitor_run over every worker, then again (the idempotent rerun). Round 1 opens every
# alert; the later rounds are the monthly run of a store that has alerts.
# Prints each round, the medians and the ratio monitor/close.
#
# PostgreSQL in a schema of its own, dropped afterwards; settings and skips as in bench/lib.sh.
#
# The set-up takes long (at 1 M: minutes on SQLite, a quarter of an hour or more on PostgreSQL).
# SETUP_CACHE=DIR keeps SQLite's set-up there (monitor-sqlite-N-MONTHS-ROUNDS.db, made by the
# first run, copied by later ones); PG_SETUP_SCHEMA=NAME takes the set-up from that schema (made
# by `monitor_bench setup` with the same N, MONTHS and ROUNDS): it is renamed to this run's and
# dropped afterwards, so it serves one run.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
workers=${WORKERS:-1000000}
months=${MONTHS:-36}

bench_setup monitor_bench monitor_bench

# The month of round r: the r-th of the last `rounds` months up to 2026-12.
round_month() {
  local k=$((2026 * 12 + 11 - rounds + $1))
  printf '%d-%02d' $((k / 12)) $((k % 12 + 1))
}

field() { grep -o " $1=[0-9.]*" | cut -d= -f2; }

report() {
  local name=$1 file=$2 c m a
  c=$(field close_secs <"$file" | median)
  m=$(field monitor_secs <"$file" | median)
  a=$(field rerun_secs <"$file" | median)
  cc=$(field close_cpu <"$file" | median)
  mc=$(field monitor_cpu <"$file" | median)
  awk -v n="$name" -v c="$c" -v m="$m" -v a="$a" -v w="$workers" -v k="$months" -v r="$rounds" -v cc="$cc" -v mc="$mc" \
    'BEGIN { printf "%s: %d workers x %d months, median of %d rounds: monitor run %.2f s (%s), rerun %.2f s; month close (baseline) %.2f s; monitor/close %.2f; CPU of this process: monitor %.2f s, close %.2f s\n", n, w, k, r, m, (m <= 10 ? "<= 10 s: met" : "> 10 s: not met"), a, c, m / c, mc, cc }'
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$skip_sqlite" != 1 ]; then
  cached=${SETUP_CACHE:+$SETUP_CACHE/monitor-sqlite-$workers-$months-$rounds.db}
  if [ -n "$cached" ] && [ -f "$cached" ]; then
    echo "SQLite set-up of $workers workers x $months months from $cached"
    cp "$cached" "$work/bench.db"
  else
    echo "setting up $workers workers x $months months on SQLite..."
    $bin setup "sqlite:$work/bench.db" "$workers" "$months" "$rounds"
    if [ -n "$cached" ]; then cp "$work/bench.db" "$cached"; fi
  fi
  for r in $(seq "$rounds"); do
    $bin round "sqlite:$work/bench.db" "$(round_month "$r")" | tee -a "$work/sqlite.txt"
  done
  rm -f "$work/bench.db" "$work/bench.db-wal" "$work/bench.db-shm"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

if [ "$skip_pg" != 1 ]; then
  if [ -n "${PG_SETUP_SCHEMA:-}" ]; then
    echo "PostgreSQL set-up from schema $PG_SETUP_SCHEMA"
    psql -q "$pg" -c "ALTER SCHEMA $PG_SETUP_SCHEMA RENAME TO $bench_schema"
  else
    echo "setting up $workers workers x $months months on PostgreSQL..."
    $bin setup "$pg" "$workers" "$months" "$rounds" "$bench_schema"
  fi
  for r in $(seq "$rounds"); do
    $bin round "$pg" "$(round_month "$r")" "$bench_schema" | tee -a "$work/postgres.txt"
  done
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

if [ "$skip_sqlite" != 1 ]; then report SQLite "$work/sqlite.txt"; fi
if [ "$skip_pg" != 1 ]; then report PostgreSQL "$work/postgres.txt"; fi
