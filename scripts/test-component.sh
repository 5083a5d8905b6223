#!/usr/bin/env bash
# The engine as a WebAssembly component (run by scripts/test.sh, or on its own):
# validates wit/, builds component/ for wasm32-wasip2, validates the component and checks that it
# exports wit/'s interface, transpiles it with jco and runs tests/component/ (the same sessions
# through the component and the wasm-bindgen build, which must agree).
# Installs nothing: scripts/setup.sh provides the wasip2 target, wasm-tools and jco.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

log() { printf '[component] %s\n' "$*"; }
die() { printf '[component] %s\n' "$*" >&2; exit 1; }

command -v wasm-tools >/dev/null || die "wasm-tools is missing: run scripts/setup.sh"
rustup target list --installed | grep -qx wasm32-wasip2 || die "the wasm32-wasip2 target is missing: run scripts/setup.sh"
[ -x node_modules/.bin/jco ] || die "jco is missing (npm devDependency @bytecodealliance/jco): run scripts/setup.sh"

WASM=component/target/wasm32-wasip2/release/kvsocket_component.wasm
OUT=test-output/component
MANIFEST=(--manifest-path component/Cargo.toml)

log "wasm-tools component wit wit/"
wasm-tools component wit wit/ >/dev/null

log "cargo fmt --check, clippy (component crate)"
cargo fmt "${MANIFEST[@]}" -- --check
cargo clippy --quiet --release --target wasm32-wasip2 "${MANIFEST[@]}" -- -D warnings

log "cargo build --release --target wasm32-wasip2 (component/)"
start=$SECONDS
cargo build --quiet --release --target wasm32-wasip2 "${MANIFEST[@]}"
log "built $WASM: $(wc -c < "$WASM") bytes in $((SECONDS - start)) s"

log "wasm-tools validate"
wasm-tools validate --features all "$WASM"

# The component's exported interface must be wit/'s, case for case (doc comments aside: the
# component carries none).
interface_of() { awk '/^ *interface engine \{/{on=1} on{print} on&&/^ *\}$/{exit}' | grep -v '^ *///' | sed 's/^ *//'; }
wasm-tools component wit "$WASM" | grep -q '^ *export kvsocket:engine/engine@0\.1\.0;' ||
  die "$WASM does not export kvsocket:engine/engine@0.1.0"
if ! diff <(wasm-tools component wit "$WASM" | interface_of) <(wasm-tools component wit wit/ | interface_of) >/dev/null; then
  diff <(wasm-tools component wit "$WASM" | interface_of) <(wasm-tools component wit wit/ | interface_of) || true
  die "the component's interface differs from wit/kvsocket.wit (above: component < > wit/)"
fi
log "exports kvsocket:engine/engine@0.1.0, equal to wit/kvsocket.wit"

# The comparison needs the wasm-bindgen build of the same engine: rebuild pkg/ when it is older
# than the sources (scripts/test.sh has just built it; run on its own, this keeps it honest).
if [ ! -f pkg/kvsocket_bg.wasm ] || [ -n "$(find src Cargo.toml -newer pkg/kvsocket_bg.wasm -print -quit)" ]; then
  log "pkg/ is missing or stale: scripts/build.sh"
  bash scripts/build.sh
fi

log "jco transpile -> $OUT"
rm -rf "$OUT"
jco transpile "$WASM" --name kvsocket --instantiation async --quiet -o "$OUT"

log "node --test tests/component/"
node --test --test-timeout=60000 tests/component/
