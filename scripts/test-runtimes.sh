#!/usr/bin/env bash
# The Node suites that apply (tests/node/, tests/clients/) on Bun and Deno, each test file on
# its own under the runtime's test runner (Bun: `bun test`, node:test's API through Bun's
# compatibility; Deno: `deno test`, node:test through Deno's), with a bound per file.
# `test-runtimes.sh [bun|deno] [files…]`; prints one line per file and fails if any file failed.
# Files that cannot run on a runtime for a reason outside kvsocket are listed in SKIP_* with the
# reason (README, Bun and Deno).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/runtimes.sh
which=${1:-all}
shift || true
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tests/node/*.test.js tests/clients/*.test.js)
PER_FILE=${KVSOCKET_RUNTIME_TIMEOUT:-120}

# Not kvsocket's: see README (Bun and Deno) for each reason.
declare -A SKIP_BUN=()
declare -A SKIP_DENO=()

failed=0
run() { # name skip-array command…
  local name=$1 file=$2; shift 2
  local out rc start=$SECONDS
  out=$(timeout "$PER_FILE" "$@" "$file" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then echo "ok   $name $file ($((SECONDS - start)) s)"
  else failed=1; echo "FAIL $name $file (exit $rc, $((SECONDS - start)) s)"; echo "$out" | grep -E "\(fail\)|not ok|error:|Error" | head -15 | sed 's/^/     /'; fi
}
for f in "${files[@]}"; do
  if [ "$which" = all ] || [ "$which" = bun ]; then
    if [ ! -x "$BUN" ]; then echo "no Bun at $BUN (scripts/setup.sh installs it)" >&2; exit 1; fi
    if [ -n "${SKIP_BUN[$f]:-}" ]; then echo "skip bun  $f: ${SKIP_BUN[$f]}"; else run bun "$f" "$BUN" test --timeout 60000; fi
  fi
  if [ "$which" = all ] || [ "$which" = deno ]; then
    if [ ! -x "$DENO" ]; then echo "no Deno at $DENO (scripts/setup.sh installs it)" >&2; exit 1; fi
    if [ -n "${SKIP_DENO[$f]:-}" ]; then echo "skip deno $f: ${SKIP_DENO[$f]}"; else run deno "$f" "$DENO" test -A --no-check --node-modules-dir=manual; fi
  fi
done
exit $failed
