#!/usr/bin/env bash
# What the bytes of pkg/kvsocket_bg.wasm are (docs/performance.md, "Module size"): the release
# module through wasm-bindgen and wasm-opt as scripts/build.sh does, but with wasm-opt keeping the
# function names (-g), then twiggy's largest items and monomorphisations. The named module's
# code is the shipped one's; only its name section (~50 KB, at the top of the list) is extra.
# `size-profile.sh [N]`: the N largest items (default 40). Needs twiggy (`cargo install twiggy`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
command -v twiggy >/dev/null || { echo "size-profile: needs twiggy: cargo install twiggy" >&2; exit 1; }

bash scripts/build.sh --if-missing
cargo build --quiet --release --lib --target wasm32-unknown-unknown
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target web --out-dir "$out" --out-name kvsocket \
  target/wasm32-unknown-unknown/release/kvsocket.wasm
# The same passes and features as scripts/build.sh, names kept.
wasm-opt -Oz --converge -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/kvsocket_bg.wasm" -o "$out/named.wasm"
twiggy top -n "${1:-40}" "$out/named.wasm"
twiggy monos -n 10 "$out/named.wasm"
