#!/usr/bin/env bash
# `npm run bench`: every row of docs/performance.md's table side by side in one run, on the
# machine's Node and on Node 24 (benches/run.js, which includes the browser rows), then the other
# benches (benches/*.sh: the engine alone, Wisp, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build.sh --if-missing
node benches/run.js
for extra in benches/*.sh; do
  [ "$extra" = benches/browser.sh ] || [ ! -e "$extra" ] || bash "$extra"
done
exit 0
