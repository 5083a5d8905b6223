#!/usr/bin/env bash
# `npm run bench`: benchmarks against raw node:net (and, when present, the browser path).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/kvsocket_wasm.js ] && [ -f pkg/kvsocket.bundle.cjs ] || bash scripts/build.sh
node benches/node.js
for extra in benches/*.sh; do [ -e "$extra" ] && bash "$extra"; done
exit 0
