#!/usr/bin/env bash
# The TLS rows (benches/tls.js): Node TLS against tls.connect, and the wasm TLS module.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh --if-missing
node benches/tls.js
# Chromium: kvsocket's TLS in the page against epoxy-tls, over the same Wisp server to nginx.
node benches/tls-browser.js
