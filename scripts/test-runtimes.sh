#!/usr/bin/env bash
# The Node suites that apply (tests/node/, tests/clients/) on Bun and Deno (scripts/runtimes.sh:
# the versions, installed by scripts/setup.sh): each test file on its own under the runtime's
# runner (Bun: `bun test`, node:test through Bun's compatibility; Deno: `deno test`, node:test
# through Deno's), with a bound per file. A file passes when every test that failed is in the
# runtime's KNOWN list below: failures whose cause is the runtime's, not kvsocket's (README,
# "Bun and Deno", says each precisely). `test-runtimes.sh [bun|deno|all] [files…]`.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/runtimes.sh
which=${1:-all}
shift || true
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tests/node/*.test.js tests/clients/*.test.js)
PER_FILE=${KVSOCKET_RUNTIME_TIMEOUT:-120}
# The whole run's bound (both runtimes take ~2 min here): past it the remaining files fail.
BUDGET=${KVSOCKET_RUNTIMES_BUDGET:-420}

# Files that test something else than the runtime: page*.test.js bundle pages and drive
# Chromium (the tools are Node's; the runtime under test is the page's).
SKIP_FILES='tests/clients/page.test.js tests/clients/page-clients.test.js'

# Test names (a part of each) that fail on the runtime for the runtime's reason.
KNOWN_BUN=(
  # Bun's dgram reports a refused UDP connect with an Error that has no code ('Failed to
  # connect socket'): the engine can only call it UnknownSocket (Node: EACCES, SocketAccess).
  'a UDP connect the system refuses is a connect failure'
  # Bun's dgram learns its bound port later than Node's: localPort() is 0 right after listen().
  'UDP: localPort() and localIp() answer right after listen() returns'
  # Bun's console.log prints [ { two: 2 } ] over several lines; the example itself ran.
  "the README's pg example runs as written"
)
KNOWN_DENO=(
  # These spawn process.execPath with node's flags (--input-type=module -e, --expose-gc): on
  # Deno process.execPath is deno, which takes neither.
  'a process ends once its sockets are gone'
  'engines of sockets dropped without destroy() are freed'
  'a handler that throws: the older name and the DOM listeners still run'
  'unref(): an open kvsocket/net connection does not keep the process running'
  # Deno's net.Server reports a listen on an address the host does not have as EINVAL
  # (UnsupportedSocketOperation); Node's as EADDRNOTAVAIL (SocketAddressNotAvailable).
  'a bind to an address this host does not have'
  # Deno's dgram sends the datagrams of one turn in reverse order (send 0..4 from Deno, a Node
  # receiver gets 4,3,2,1,0).
  '100 datagrams in a burst are 100 reads, in order'
  'UDP: for await over a bound socket yields one datagram per chunk'
  # Deno's dgram: address() of a connected socket is the unspecified address (0.0.0.0, ::), and
  # a closed socket's port is not free again at once (EADDRINUSE on the rebind).
  'a UDP client connect()s to a dgram echo server'
  'close() and destroy() release the bound port'
)

# The names of the tests that failed, from the runner's output.
failed_names() { # runtime < output
  sed 's/\x1b\[[0-9;]*m//g' | if [ "$1" = bun ]; then sed -n 's/^(fail) \(.*\) \[[0-9.]*m\?s\]$/\1/p'
  else awk '/^ FAILURES /{f=1; next} f && / => /{sub(/ => .*/, ""); print}'; fi | sort -u
}

# `all`: Bun and Deno at the same time (each file's run mostly waits on sockets and servers:
# one after the other they took ~80 s on a 2-core machine), Bun's lines as they come, Deno's after.
if [ "$which" = all ]; then
  deno_out=$(mktemp)
  trap 'rm -f "$deno_out"' EXIT
  bash "$0" deno "${files[@]}" >"$deno_out" 2>&1 &
  deno_pid=$!
  status=0
  bash "$0" bun "${files[@]}" || status=1
  wait "$deno_pid" || status=1
  cat "$deno_out"
  exit $status
fi

failed=0
run() { # runtime file command…
  local runtime=$1 file=$2; shift 2
  local out rc start=$SECONDS names unknown known
  out=$(timeout "$PER_FILE" "$@" "$file" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then echo "ok   $runtime $file ($((SECONDS - start)) s)"; return; fi
  names=$(printf '%s\n' "$out" | failed_names "$runtime")
  if [ "$runtime" = bun ]; then known=("${KNOWN_BUN[@]}"); else known=("${KNOWN_DENO[@]}"); fi
  unknown=$(printf '%s\n' "$names" | grep -v -F "$(printf '%s\n' "${known[@]}")" | grep -v '^$')
  # A parent test fails with its subtests: drop the parents whose known subtests explain it.
  if [ $rc -ne 124 ] && [ -n "$names" ] && [ -z "$unknown" ]; then
    echo "ok   $runtime $file ($((SECONDS - start)) s; known, the runtime's: $(printf '%s\n' "$names" | paste -sd'|' | sed 's/|/; /g'))"
    return
  fi
  failed=1
  echo "FAIL $runtime $file (exit $rc, $((SECONDS - start)) s)"
  if [ -n "$unknown" ]; then printf '%s\n' "$unknown" | sed 's/^/     failed: /'
  else printf '%s\n' "$out" | tail -20 | sed 's/^/     /'; fi
}
for f in "${files[@]}"; do
  if [ $SECONDS -ge "$BUDGET" ]; then echo "FAIL $f: past the run's bound of $BUDGET s (KVSOCKET_RUNTIMES_BUDGET)"; failed=1; continue; fi
  case " $SKIP_FILES " in *" $f "*) echo "skip $f (see SKIP_FILES)"; continue ;; esac
  if [ "$which" = all ] || [ "$which" = bun ]; then
    if [ ! -x "$BUN" ]; then echo "no Bun at $BUN (scripts/setup.sh installs it)" >&2; exit 1; fi
    run bun "$f" "$BUN" test --timeout 60000
  fi
  if [ "$which" = all ] || [ "$which" = deno ]; then
    if [ ! -x "$DENO" ]; then echo "no Deno at $DENO (scripts/setup.sh installs it)" >&2; exit 1; fi
    run deno "$f" "$DENO" test -A --no-check --node-modules-dir=manual
  fi
done
exit $failed
