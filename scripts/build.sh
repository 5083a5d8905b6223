#!/usr/bin/env bash
# Builds the wasm engine and its JS glue into pkg/, a module per host (the browser's
# pkg/kvsocket*, Node's pkg/kvsocket_node*): wasm-bindgen's `web` target, with the wasm also
# written inline into pkg/NAME_wasm.js, which the entries load with initSync (no fetch, no file
# for a bundler to find: docs/design.md).
# `build.sh --if-missing`: only when pkg/ lacks what the entries load (the demo, bench and the
# suites that may run alone call it so).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ "${1:-}" = --if-missing ] && [ -f pkg/kvsocket_wasm.js ] && [ -f pkg/kvsocket_node_wasm.js ] \
  && [ -f pkg/kvsocket.bundle.cjs ] \
  && [ -f pkg/kvsocket_tls_wasm.js ]; then exit 0; fi

# The npm packages, the wasm target and the wasm-bindgen CLI pinned to Cargo.toml's version
# (each skipped when there).
bash scripts/setup.sh --build

# One module per host (docs/design.md, "One module per host"): the browser's, with the browser
# transport over web-sys (the `browser` feature, default), as pkg/kvsocket*; Node's, without it,
# as pkg/kvsocket_node*. Each through wasm-bindgen, wasm-opt and into an inline ES module.
engine_module() { # NAME [cargo flags]
  local name=$1
  shift
  cargo build --quiet --release --lib --target wasm32-unknown-unknown "$@"
  wasm-bindgen --target web --out-dir pkg --out-name "$name" \
    target/wasm32-unknown-unknown/release/kvsocket.wasm
  # -Oz until nothing more shrinks (--converge: ~140 B), and without the custom sections that
  # only describe the build (producers, target_features: ~260 B), which engines ignore.
  if command -v wasm-opt >/dev/null; then
    wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      --strip-producers --strip-target-features \
      "pkg/${name}_bg.wasm" -o "pkg/${name}_bg.wasm"
  fi
  echo "[build] pkg/${name}_bg.wasm: $(wc -c < "pkg/${name}_bg.wasm") bytes"
  node scripts/inline-wasm.js "$name"
}
engine_module kvsocket
engine_module kvsocket_node --no-default-features
# The browser transport imports js/browser/stream-socket.js (the WebSocketStream adapter) as a
# wasm-bindgen snippet: wasm-bindgen copies it into pkg/snippets/, which ships with the glue,
# beside a package.json of the project's dependencies that is not needed (and would make pkg/
# look like a package of its own). Node's glue imports no snippet.
rm -f pkg/package.json
if grep -q "snippets/" pkg/kvsocket_node.js; then
  echo "[build] pkg/kvsocket_node.js imports a wasm-bindgen snippet: Node's module has no browser transport" >&2
  exit 1
fi

# The TLS record layer (tls/: rustls + ring), a module of its own that the hosts load on the
# first TLS socket, so that pages without TLS do not download it (docs/design.md, TLS). ring's C
# and assembly need clang for wasm32 (scripts/setup.sh installs it).
CC_wasm32_unknown_unknown="${CC_wasm32_unknown_unknown:-clang}" \
  cargo build --quiet --release -p kvsocket-tls --lib --target wasm32-unknown-unknown
wasm-bindgen --target web --out-dir pkg --out-name kvsocket_tls \
  target/wasm32-unknown-unknown/release/kvsocket_tls.wasm
if command -v wasm-opt >/dev/null; then
  wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-producers --strip-target-features \
    pkg/kvsocket_tls_bg.wasm -o pkg/kvsocket_tls_bg.wasm
fi
echo "[build] pkg/kvsocket_tls_bg.wasm: $(wc -c < pkg/kvsocket_tls_bg.wasm) bytes"
node scripts/inline-wasm.js kvsocket_tls
# require('kvsocket') (js/node/index.cjs) on a Node 20 without require(esm) (before 20.19): the
# Node entry bundled as one CommonJS file (its npm dependencies, ws, stay outside: required at
# run time); and the declarations for require (the Node entry's: scripts/cts-types.js).
esbuild js/node/index.js --bundle --platform=node --format=cjs --target=node20 --packages=external \
  --log-level=warning --outfile=pkg/kvsocket.bundle.cjs
node scripts/cts-types.js
