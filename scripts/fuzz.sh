#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ and runs each for a bounded time from its committed
# corpus (fuzz/corpus/<target>, read only: what a run finds goes to a temporary directory), two
# at a time. Fails on any crash, panic, failed assertion, timeout or out-of-memory; the input is
# left in fuzz/artifacts/<target>/ (replay it with `cargo +nightly fuzz run <target> FILE`).
# Needs the nightly toolchain and cargo-fuzz (scripts/setup-test-deps.sh installs them).
# Usage: bash scripts/fuzz.sh [TARGET...]   (FUZZ_SECONDS per target, default 35)
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${FUZZ_SECONDS:-35}"
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi

echo "building ${#targets[@]} fuzz targets"
cargo +nightly fuzz build

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() {
  local t=$1
  mkdir -p "$work/$t" "fuzz/corpus/$t"
  cargo +nightly fuzz run "$t" "$work/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$work/$t.log" 2>&1
}

failed=()
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for t in "${targets[@]:i:2}"; do
    run "$t" &
    pids+=("$!:$t")
  done
  for p in "${pids[@]}"; do
    t="${p#*:}"
    if wait "${p%%:*}"; then
      echo "fuzz $t: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$') runs in ${secs}s)"
    else
      echo "fuzz $t: FAILED"
      grep -v '^#' "$work/$t.log" | tail -n 40
      failed+=("$t")
    fi
  done
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets that failed: ${failed[*]} (inputs in fuzz/artifacts/)"
  exit 1
fi
