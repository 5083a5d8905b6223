#!/usr/bin/env bash
# The Wisp bench (benches/wisp.js): kvsocket vs the wisp-js client through the same wisp-js
# server, then the WebSocket count of a 100-socket page in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "Wisp bench skipped: no ${CHROMIUM:-/usr/bin/chromium} (scripts/setup.sh installs Debian's chromium)"
  exit 0
fi
node benches/wisp.js
