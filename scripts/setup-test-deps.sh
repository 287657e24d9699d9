#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain, only when it is missing:
# Debian's Chromium and a CJK font for the browser test, wrk for the HTTP benchmark, the
# browser test's npm packages, a running PostgreSQL for the store's conformance suite, the
# nightly toolchain and cargo-fuzz for scripts/fuzz.sh, and schemathesis (pinned) in a venv
# for tests/api/schemathesis.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils) # voucher PDF tests
command -v zbarimg >/dev/null 2>&1 || need_apt+=(zbar-tools)       # voucher QR test
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ -f tests/e2e/package.json ] && [ ! -d tests/e2e/node_modules ]; then
  (cd tests/e2e && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi)
fi

# Fuzzing: cargo-fuzz builds with the nightly toolchain's sanitizers.
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi

# Schemathesis, one pinned version, in a venv of the API test's own.
SCHEMATHESIS_VERSION=4.32.5
venv=tests/api/.venv
if ! "$venv/bin/python" -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# PostgreSQL: started before the session on this kind of machine; start it again if it stopped.
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 20); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
fi
