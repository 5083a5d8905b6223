#!/usr/bin/env bash
# The Wisp bench: kvsocket vs the wisp-js client through the same wisp-js server on Node
# (benches/wisp.js, then the WebSocket count of a 100-socket page in Chromium), and the same
# comparison in headless Chromium through a bare server and the wisp-js server
# (benches/wisp-browser.js).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "Wisp bench skipped: no ${CHROMIUM:-/usr/bin/chromium} (scripts/setup.sh installs Debian's chromium)"
  exit 0
fi
node benches/wisp.js
node benches/wisp-browser.js
