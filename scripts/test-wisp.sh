#!/usr/bin/env bash
# Wisp (run by scripts/test.sh, or alone once built): sockets over one WebSocket per Wisp
# server, against servers we did not write (wisp-js in-process, wisp-python from the venv
# scripts/setup.sh installs) and kvsocket-proxy's Wisp path, in Node and in headless Chromium.
# The codec's own tests are cargo's (tests/wisp_*.rs). Every server is stopped by its test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build.sh --if-missing
node --test --test-timeout=60000 tests/wisp/
