#!/usr/bin/env bash
# `npm run fuzz -- SECONDS` (default 60): the engine under libFuzzer (cargo-fuzz, nightly), every
# step checked against docs/spec.md's promises (fuzz/fuzz_targets/engine.rs). The corpus grows in
# fuzz/corpus/engine (kept between runs, not committed); a failing input is saved under
# fuzz/artifacts/engine/ with the command that replays it. Ends with one line:
#   fuzz: N executions in S s (R/s), corpus C inputs, no failure
# scripts/test-fuzz.sh runs a few seconds of it inside `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

SECONDS_TO_RUN=${1:-60}
case $SECONDS_TO_RUN in (*[!0-9]*|'') echo "fuzz: SECONDS must be a whole number, got '$SECONDS_TO_RUN'" >&2; exit 2;; esac
command -v cargo-fuzz >/dev/null || { echo "fuzz: cargo-fuzz is missing: run scripts/setup.sh" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
mkdir -p fuzz/corpus/engine
# -s none: no sanitizer (the engine is safe Rust: what is looked for is a panic or a broken
# promise); -a: debug assertions on, so the engine's own transition check runs too.
status=0
cargo +nightly fuzz run -s none -a engine fuzz/corpus/engine -- \
  -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n1)
if [ "$status" -ne 0 ]; then
  grep -E "panicked|assertion|left|right|Reproduce|cargo fuzz run" "$log" | head -n 20 >&2 || tail -n 40 "$log" >&2
  echo "fuzz: FAILED after ${runs:-?} executions (see above)" >&2
  exit 1
fi
corpus=$(find fuzz/corpus/engine -type f | wc -l)
echo "fuzz: ${runs:-0} executions in ${took:-$SECONDS_TO_RUN} s ($(( ${runs:-0} / (${took:-1} > 0 ? ${took:-1} : 1) ))/s), corpus $corpus inputs, no failure"
