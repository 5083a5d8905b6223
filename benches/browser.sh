#!/usr/bin/env bash
# The browser path (benches/browser.js): kvsocket's browser Socket vs a raw WebSocket, both in
# headless Chromium through kvsocket-proxy. Skipped with a note when Chromium is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "browser bench skipped: no ${CHROMIUM:-/usr/bin/chromium} (scripts/setup.sh installs Debian's chromium)"
  exit 0
fi
node benches/browser.js
