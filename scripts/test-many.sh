#!/usr/bin/env bash
# Many sockets at once (issue 9): three runs each of 10 000 simultaneous refused connects and of
# 10 000 idle connections (tests/many/many.js), every run in its own process, on the machine's
# Node and on the current LTS. A run passes when its process ends by itself, with status 0.
# Node 20 used to die in some of these runs (SIGTRAP, V8's deoptimizer); see src/bindings/mod.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-lts.sh

COUNT=${KVSOCKET_MANY:-10000}
RUNS=${KVSOCKET_MANY_RUNS:-3}
# Each connection is one descriptor here (the idle server is another process); raise the soft
# limit as far as the hard one allows. 10 000 need a little more than 10 000.
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
limit=$(ulimit -Sn)
if [ "$limit" != unlimited ] && [ "$limit" -lt $((COUNT + 200)) ]; then
  echo "test-many: the descriptor limit is $limit (hard $(ulimit -Hn)); $COUNT sockets need $((COUNT + 200))" >&2
  exit 1
fi

nodes=(node)
if [ -x "$NODE_LTS" ]; then nodes+=("$NODE_LTS"); else echo "test-many: no Node LTS at $NODE_LTS (scripts/setup.sh installs it)" >&2; exit 1; fi

failed=0
for bin in "${nodes[@]}"; do
  for mode in refused idle; do
    for run in $(seq "$RUNS"); do
      status=0
      timeout 120 "$bin" tests/many/many.js "$mode" "$COUNT" || status=$?
      if [ "$status" -ne 0 ]; then
        echo "not ok - many $mode run $run on $("$bin" --version): exit status $status" >&2
        failed=$((failed + 1))
      fi
    done
  done
done
runs=$(( ${#nodes[@]} * 2 * RUNS ))
echo "# pass $((runs - failed))"
echo "# fail $failed"
[ "$failed" -eq 0 ]
