#!/usr/bin/env bash
# `npm run soak [-- CONNECTIONS BYTES BROWSER_CONNECTIONS]`: many connections with checksums and
# faults (tests/soak/): 1000 × 1 MiB echoed in Node, 100 × 1 MiB through kvsocket-proxy from
# headless Chromium, with resets, a killed target, a killed proxy, a target that never reads
# and refused connects beside them. Each part prints connections, bytes, faults, events per
# connection and bytes lost (must be 0); each is its own process, bounded in time, and must end
# by itself. scripts/test-soak.sh runs a short one inside `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh --if-missing

CONNECTIONS=${1:-1000}
BYTES=${2:-1048576}
BROWSER_CONNECTIONS=${3:-100}
# Every connection (and its peer in the target process) is a descriptor.
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true

timeout 600 node tests/soak/node.js "$CONNECTIONS" "$BYTES"
timeout 600 node tests/soak/browser.js "$BROWSER_CONNECTIONS" "$BYTES"
