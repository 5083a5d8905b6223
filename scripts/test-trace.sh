#!/usr/bin/env bash
# One trace, two hosts: the same scenario in Node and in headless Chromium through kvsocket-proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
node --test --test-timeout=90000 tests/trace/
