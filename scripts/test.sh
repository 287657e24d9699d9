#!/usr/bin/env bash
# Every test of the project: formatting, lints, unit, property and integration tests on both
# store backends, the fuzz targets (bounded), the browser test and schemathesis against the
# running server. Installs what it needs first (see setup-test-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-deps.sh

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace --quiet
echo "== fuzz (bounded)"
bash scripts/fuzz.sh
echo "== browser test"
# The debug binary cargo test just built: saves a release build, and the page is the same.
cargo build --quiet -p flexpension
FLEXPENSION_BIN="$PWD/target/debug/flexpension" bash tests/e2e/run.sh
echo "== schemathesis"
FLEXPENSION_BIN="$PWD/target/debug/flexpension" bash tests/api/schemathesis.sh
