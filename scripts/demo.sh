#!/usr/bin/env bash
# `npm run demo`: builds if needed, then runs the seed's two examples against each other.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/kvsocket_bg.wasm ] || bash scripts/build.sh
node examples/demo.js
