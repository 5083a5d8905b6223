#!/usr/bin/env bash
# Where Bun and Deno live (sourced by setup.sh and test-runtimes.sh): the runtimes' own npm
# packages, installed by scripts/setup.sh into folders of their own outside the repository's
# node_modules, at the versions README names. The Node suites and the client tests run on them
# too (scripts/test-runtimes.sh).
BUN_VERSION=1.4.5
DENO_VERSION=2.9.6
BUN_DIR=${KVSOCKET_BUN:-$HOME/.cache/kvsocket/bun$BUN_VERSION}
DENO_DIR=${KVSOCKET_DENO:-$HOME/.cache/kvsocket/deno$DENO_VERSION}
BUN=$BUN_DIR/node_modules/@oven/bun-linux-x64/bin/bun
DENO=$DENO_DIR/node_modules/@deno/linux-x64-glibc/deno
