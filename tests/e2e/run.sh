#!/usr/bin/env bash
# Browser tests of the calculator and analysts' pages, the people pages, the consoles, complaints, a transfer between two regions, the voucher and the self-service terminal: start the release server on a free
# loopback port, run the node tests (playwright-core driving Debian's Chromium), stop the server.
# Needs: chromium and fonts-noto-cjk (Debian), node + npm. Usage: bash tests/e2e/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ ! -d "$here/node_modules" ]; then
  (cd "$here" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
fi

source "$root/scripts/lib/serve.sh"
serve_release "$root"
bin="$serve_bin"
base="$serve_base"
echo "server at $base"

cd "$here"
BASE_URL="$base" node --test --test-concurrency=1 calculator.test.mjs analyst.test.mjs

# The people pages: their own seeded store and server.
FLEXPENSION_BIN="$bin" bash "$here/people.sh"

# The worker's own choices at 390 px: enrol, a higher base, a month paid from savings.
FLEXPENSION_BIN="$bin" bash "$here/choice.sh"

# The consoles, the grid worker's page and complaints on the demo's own data (axe-core and the
# language check on every page).
FLEXPENSION_BIN="$bin" bash "$here/consoles.sh"

# A transfer between two regions at 390 px: two stores, two servers, each the other's peer.
FLEXPENSION_BIN="$bin" bash "$here/transfer.sh"

# The contribution voucher: its own store, witnesses and server.
FLEXPENSION_BIN="$bin" bash "$here/voucher.sh"

# The self-service terminal at 1080 × 1920: its own store and server, texts to a file.
FLEXPENSION_BIN="$bin" bash "$here/kiosk.sh"
