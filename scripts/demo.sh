#!/usr/bin/env bash
# `npm run demo`: builds if needed, runs the seed's two examples against each other in Node
# (prints the page the HEAD/GET client fetched), then serves the browser demo pages (HEAD request,
# chat, and a page listening through kvsocket-proxy's reverse tunnel) and prints their URL.
#   - from a terminal, the pages are served until Ctrl-C;
#   - without a terminal (CI, a pipe), for KVSOCKET_DEMO_SECONDS (default 30), then it exits;
#   - KVSOCKET_DEMO_SECONDS=0 runs the Node part only. KVSOCKET_DEMO_PORT picks the port (default 8000, or
#     any free one when 8000 is taken).
set -euo pipefail
cd "$(dirname "$0")/.."
# The first command on a fresh clone: install what the build and the demo need (npm packages,
# the wasm target, wasm-bindgen-cli; each skipped when there), then build once.
bash scripts/setup.sh --build
bash scripts/build.sh --if-missing
node examples/demo.js

seconds=${KVSOCKET_DEMO_SECONDS:-}
if [ -z "$seconds" ] && [ ! -t 0 ]; then seconds=30; fi
[ "$seconds" = 0 ] && exit 0
args=()
[ -n "${KVSOCKET_DEMO_PORT:-}" ] && args+=(--port "$KVSOCKET_DEMO_PORT")
[ -n "$seconds" ] && args+=(--exit-after "$seconds")
echo
exec node www/serve.js "${args[@]}"
