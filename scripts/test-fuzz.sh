#!/usr/bin/env bash
# A bounded few seconds of the engine fuzzer inside `npm test` (the long run: `npm run fuzz`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# The fuzz crate is a workspace of its own: the top-level fmt and clippy do not reach it.
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
bash scripts/fuzz.sh --clippy # built as scripts/fuzz.sh builds it: one libFuzzer compile for both
bash scripts/fuzz.sh "${KVSOCKET_FUZZ_SECONDS:-10}"
echo "# pass 1"
echo "# fail 0"
