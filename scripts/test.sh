#!/usr/bin/env bash
# `npm test`: every suite. Installs what is missing first (scripts/setup.sh skips what is there).
# Each suite prints its own runner's summary; the script stops at the first failing suite and
# ends with the total over all runners.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The test builds (cargo test, wasm-pack test: the dev profile) with line tables for backtraces
# but no full debug info, and not incremental: on a fresh clone that halves their build (207 s ->
# 119 s for `cargo test --no-run` on a loaded 2-core machine). The release builds are not touched.
export CARGO_PROFILE_DEV_DEBUG=${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

log=$(mktemp)
# Each step's wall time, printed when the next one starts and listed at the end.
times=$(mktemp)
trap 'rm -f "$log" "$times"' EXIT
step_name='' step_start=$SECONDS start=$SECONDS
step_end() {
  [ -n "$step_name" ] || return 0
  printf '%4d s  %s\n' $((SECONDS - step_start)) "$step_name" >>"$times"
  printf -- '--- %s: %d s\n' "$step_name" $((SECONDS - step_start))
}
step() { step_end; step_name=$*; step_start=$SECONDS; printf '\n=== %s ===\n' "$*"; }
run() { "$@" 2>&1 | tee -a "$log"; }

step setup;                bash scripts/setup.sh
step build;                bash scripts/build.sh
step "cargo fmt --check";  cargo fmt --all -- --check
step "cargo clippy";       cargo clippy --quiet --all-targets -- -D warnings
                           cargo clippy --quiet --lib --target wasm32-unknown-unknown -- -D warnings
                           # Node's module: without the browser transport, with the proxy's codec.
                           cargo clippy --quiet --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
                           # The TLS module (tls/, a workspace member): natively and for wasm32
                           # (ring compiles its C with clang there).
                           cargo clippy --quiet -p kvsocket-tls --all-targets -- -D warnings
                           CC_wasm32_unknown_unknown=clang \
                             cargo clippy --quiet -p kvsocket-tls --lib --target wasm32-unknown-unknown -- -D warnings
step "cargo test (engine)"; run cargo test --quiet
step "cargo test (TLS module, against rustls' server in-process)"; run cargo test --quiet -p kvsocket-tls
step "wasm-pack test --node (bindings in wasm)"; run wasm-pack test --node -- --test wasm_node
step "node --test (public API on Node, kvsocket-proxy, npm clients over kvsocket/net against real servers, TLS, packaging: links, types, bundlers, require)"
# A few files at a time, the memory-measuring ones alone afterwards (scripts/node-suites.sh).
run bash scripts/node-suites.sh node tests/node/*.test.js tests/proxy/*.test.js tests/clients/*.test.js \
  tests/packaging/*.test.js tests/tls/*.test.js
. scripts/node-lts.sh # installed by setup.sh
step "node --test on Node $NODE_LTS_MAJOR, the current LTS ($NODE_LTS)"
run bash scripts/node-suites.sh "$NODE_LTS" tests/node/*.test.js tests/proxy/*.test.js tests/clients/*.test.js \
  tests/tls/*.test.js
for extra in scripts/test-*.sh; do
  [ -e "$extra" ] || continue
  step "$extra"; run bash "$extra"
done

step_end
printf '\nstep times (load average now: %s)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
cat "$times"
printf '%4d s  in all\n' $((SECONDS - start))

# Sum what every runner reported: cargo/wasm-bindgen-test ("test result: ok. N passed; M failed")
# and node's runner ("# pass N", "# fail M").
awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /^# pass / { p += $3 } /^# fail / { f += $3 } /^ℹ pass / { p += $3 } /^ℹ fail / { f += $3 }
  END { printf "\ntotal: %d passed, %d failed\n", p, f }
' "$log"
