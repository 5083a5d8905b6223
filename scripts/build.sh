#!/usr/bin/env bash
# Builds the wasm engine and its JS glue into pkg/ (one build serves Node and browsers:
# wasm-bindgen's `web` target, loaded with initSync in Node and init() in browsers).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# The wasm target and the wasm-bindgen CLI pinned to Cargo.toml's version (skipped when there).
bash scripts/setup.sh --build

cargo build --quiet --release --lib --target wasm32-unknown-unknown
wasm-bindgen --target web --out-dir pkg --out-name kvsocket \
  target/wasm32-unknown-unknown/release/kvsocket.wasm
if command -v wasm-opt >/dev/null; then
  wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    pkg/kvsocket_bg.wasm -o pkg/kvsocket_bg.wasm
fi
echo "[build] pkg/kvsocket_bg.wasm: $(wc -c < pkg/kvsocket_bg.wasm) bytes"
