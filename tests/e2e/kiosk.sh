#!/usr/bin/env bash
# The self-service terminal (智能自助终端) in a browser at 1080 × 1920: seed a store with the CLI
# (a worker with an account, two months of orders, closed, one paid), start `serve --db` with
# `--sms-file` (texts go to a file instead of an SMS gateway) and run kiosk.test.mjs, which
# reads the sign-in code from that file. Screenshots go to docs/screens/ when SCREENS_DIR is
# set (UPDATE_SCREENS=1 sets it to the repository's docs/screens).
# Test data only: made-up IDs with valid check digits.
# Usage: FLEXPENSION_BIN=... bash tests/e2e/kiosk.sh (run.sh calls it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/lib.sh"
e2e_store kiosk

id=330106199001010018
e2e_grid_and_platform
e2e_paid_worker "$id"

sms="$tmp/sms.txt"
FLEXPENSION_BOOTSTRAP_PEOPLE="worker:1:13800000001:e2e-password-1" \
  serve_start "$tmp" "$bin" serve --db "$db" --addr 127.0.0.1:0 --sms-file "$sms"
base="$serve_base"
echo "kiosk server at $base"
screens="${SCREENS_DIR:-}"
if [ "${UPDATE_SCREENS:-}" = 1 ]; then screens="$root/docs/screens"; mkdir -p "$screens"; fi
cd "$here"
BASE_URL="$base" SMS_FILE="$sms" KIOSK_ID="$id" SCREENS_DIR="$screens" node --test --test-concurrency=1 kiosk.test.mjs
