#!/usr/bin/env bash
# `npm run bench`: every row of docs/performance.md's table side by side in one run, on the
# machine's Node and on Node 24 (benches/run.js), then the engine alone (benches/engine.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
[ -f pkg/kvsocket_bg.wasm ] || bash scripts/build.sh
node benches/run.js
bash benches/engine.sh
exit 0
