#!/usr/bin/env bash
# A short soak inside `npm test` (the long one: `npm run soak`): 100 × 1 MiB in Node and 10 × 1 MiB
# in Chromium through kvsocket-proxy, with the same faults and checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/soak.sh 100 1048576 10
echo "# pass 2"
echo "# fail 0"
