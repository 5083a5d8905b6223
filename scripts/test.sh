#!/usr/bin/env bash
# `npm test`: every suite. Installs what is missing first (scripts/setup.sh skips what is there).
# Each suite prints its own runner's summary; the script stops at the first failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n=== %s ===\n' "$*"; }

step setup;                bash scripts/setup.sh
step build;                bash scripts/build.sh
step "cargo fmt --check";  cargo fmt --all -- --check
step "cargo clippy";       cargo clippy --quiet --all-targets -- -D warnings
                           cargo clippy --quiet --lib --target wasm32-unknown-unknown -- -D warnings
step "cargo test (engine)"; cargo test --quiet
step "wasm-pack test --node (bindings in wasm)"; wasm-pack test --node -- --test wasm_node
step "node --test (public API on Node, kvsocket-proxy)"
node --test --test-timeout=60000 tests/node/ tests/proxy/
for extra in scripts/test-*.sh; do
  [ -e "$extra" ] || continue
  step "$extra"; bash "$extra"
done
printf '\nall suites passed\n'
