#!/usr/bin/env bash
# The engine alone (benches/engine.rs): bytes/s and ops/s, native release build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --quiet --bench engine
