#!/usr/bin/env bash
# The TLS rows (benches/tls.js): Node TLS against tls.connect, and the wasm TLS module.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh --if-missing
node benches/tls.js
