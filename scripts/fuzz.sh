#!/usr/bin/env bash
# `npm run fuzz -- SECONDS` (default 60): the engine under libFuzzer (libfuzzer-sys), every step
# checked against docs/spec.md's promises (fuzz/fuzz_targets/engine.rs). The target is built the
# way `cargo fuzz run -s none -a` builds it (SanitizerCoverage passes, debug assertions), with
# plain stable cargo: installing cargo-fuzz costs a fresh machine 5-13 minutes and adds nothing
# here (no sanitizer is wanted: the engine is safe Rust; what is looked for is a panic or a
# broken promise). The corpus grows in
# fuzz/corpus/engine (kept between runs, not committed); a failing input is saved under
# fuzz/artifacts/engine/ (replay: fuzz/target/<host>/release/engine THAT-FILE). Ends with one line:
#   fuzz: N executions in S s (R/s), corpus C inputs, no failure
# scripts/test-fuzz.sh runs a few seconds of it inside `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

TARGET=$(rustc -vV | sed -n 's/^host: //p')
# --target: RUSTFLAGS then reach the fuzz target only, not build scripts; `--cfg fuzzing` is what
# libfuzzer-sys and the target expect; -Cdebug-assertions runs the engine's own transition check.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions"
# `fuzz.sh --clippy` (scripts/test-fuzz.sh): clippy on the fuzz crate as it is built below (the
# same profile, target and flags), so that the two share libfuzzer-sys's build script, which
# compiles libFuzzer's C++ (a separate dev-profile clippy compiled it a second time: 95 s of the
# step's 218 s on a loaded 2-core machine).
if [ "${1:-}" = --clippy ]; then
  exec cargo clippy --quiet --release --manifest-path fuzz/Cargo.toml --target "$TARGET" -- -D warnings
fi

SECONDS_TO_RUN=${1:-60}
case $SECONDS_TO_RUN in (*[!0-9]*|'') echo "fuzz: SECONDS must be a whole number, got '$SECONDS_TO_RUN'" >&2; exit 2;; esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT
mkdir -p fuzz/corpus/engine
cargo build --quiet --release --manifest-path fuzz/Cargo.toml --target "$TARGET" --bin engine
mkdir -p fuzz/artifacts/engine
status=0
"fuzz/target/$TARGET/release/engine" fuzz/corpus/engine -artifact_prefix=fuzz/artifacts/engine/ \
  -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n1)
if [ "$status" -ne 0 ]; then
  grep -E "panicked|assertion|left|right|Test unit written" "$log" | head -n 20 >&2 || tail -n 40 "$log" >&2
  echo "fuzz: FAILED after ${runs:-?} executions (see above)" >&2
  exit 1
fi
corpus=$(find fuzz/corpus/engine -type f | wc -l)
echo "fuzz: ${runs:-0} executions in ${took:-$SECONDS_TO_RUN} s ($(( ${runs:-0} / (${took:-1} > 0 ? ${took:-1} : 1) ))/s), corpus $corpus inputs, no failure"
