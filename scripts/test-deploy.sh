#!/usr/bin/env bash
# kvsocket-proxy deployed (run by scripts/test.sh, or alone): three instances behind real nginx
# and HAProxy with the configurations of docs/deploy/, an instance killed during traffic
# (tests/deploy/), and the short load run (benches/load.js --short). nginx and haproxy come
# from scripts/setup.sh (Debian packages); everything stays on loopback and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:/usr/sbin:$PATH"
# The proxy's Wisp endpoint parses and frames with the engine module's codec (pkg/).
bash scripts/build.sh --if-missing
node --test --test-timeout=60000 tests/deploy/
