#!/usr/bin/env bash
# The node:test suites of `npm test` on one Node: `node-suites.sh NODE FILE…` (scripts/test.sh
# runs it on the machine's Node and on Node 24). The files run several at a time: most of their
# time is spent waiting on sockets, servers and child processes, not on the CPU (one at a time,
# tests/node, proxy, clients, packaging and tls took 176 s on a 2-core machine; a few at a time,
# about half that). In three groups:
#
# - most files: KVSOCKET_TEST_CONCURRENCY (default 3) at a time, each test bound by 60 s;
# - OWN_BOUND, at the same time as those, one after the other: the files whose every test sets
#   its own timeout (tsc, bundlers, Chromium pages: minutes of CPU on a loaded machine). Node 20
#   also bounds a whole file by --test-timeout, which these pass under load; 300 s is their
#   longest test's own bound;
# - ALONE, afterwards, one at a time with nothing else of ours running: the files that measure
#   the proxy's memory while they drive it as hard as they can, with time bounds on the way.
#
# Every file runs in its own process (node --test's default isolation); none uses a fixed port
# (tests/ports.js) or a fixed temporary path. The output of the OWN_BOUND group is printed after
# the others' (not interleaved). Exits non-zero when any group failed.
set -uo pipefail
cd "$(dirname "$0")/.."
node=$1
shift
CONCURRENCY=${KVSOCKET_TEST_CONCURRENCY:-3}
OWN_BOUND=(tests/packaging/types.test.js tests/packaging/bundlers.test.js tests/clients/page.test.js
  tests/clients/page-clients.test.js)
ALONE=(tests/proxy/stress.test.js tests/proxy/memory.test.js tests/proxy/idle-memory.test.js
  tests/proxy/unread-answers.test.js)

in_list() { local f=$1; shift; local x; for x in "$@"; do [ "$x" = "$f" ] && return 0; done; return 1; }
many=() own=() alone=()
for f in "$@"; do
  if in_list "$f" "${OWN_BOUND[@]}"; then own+=("$f")
  elif in_list "$f" "${ALONE[@]}"; then alone+=("$f")
  else many+=("$f"); fi
done

failed=0
own_out=$(mktemp)
trap 'rm -f "$own_out"' EXIT
own_pid=
if [ ${#own[@]} -gt 0 ]; then
  "$node" --test --test-concurrency=1 --test-timeout=300000 "${own[@]}" >"$own_out" 2>&1 &
  own_pid=$!
fi
if [ ${#many[@]} -gt 0 ]; then
  "$node" --test --test-concurrency="$CONCURRENCY" --test-timeout=60000 "${many[@]}" || failed=1
fi
if [ -n "$own_pid" ]; then
  wait "$own_pid" || failed=1
  printf '\n# %s (own bounds, at the same time as the files above)\n' "${own[*]}"
  cat "$own_out"
fi
if [ ${#alone[@]} -gt 0 ]; then
  printf '\n# %s (one at a time, alone)\n' "${alone[*]}"
  "$node" --test --test-concurrency=1 --test-timeout=60000 "${alone[@]}" || failed=1
fi
exit $failed
