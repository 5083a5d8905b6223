#!/usr/bin/env bash
# The browser suites (run by scripts/test.sh after the Node suites, or alone once built):
#  1. the browser host in headless Chromium (wasm-pack test -- --test wasm_browser) against
#     kvsocket-proxy and against websockify in one-target mode, in front of the target server of
#     tests/browser/targets.js;
#  2. the www demo (www/serve.js) driven by Playwright in Chromium: tests/browser/demo.test.js,
#     screenshots under test-output/; and the page-level suites (listen, SPEC review, the Direct
#     Sockets, promise and connect() scenarios shared with tests/node/, TLS in the page).
# Everything started here is stopped on exit (trap), and each peer also stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build.sh --if-missing

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until 127.0.0.1:$1 accepts connections (10 s at most); shows the peer's log if not.
wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1 ($2); its log:" >&2
  cat "$work/$2.log" >&2 || true
  return 1
}

LIFETIME_S=900 node tests/browser/peers.js >"$work/peers.out" 2>"$work/peers.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/peers.out" ] && break; sleep 0.1; done
read -r TARGET_PORT CLOSED_PORT PROXY_PORT WS_PORT WS_REFUSED_PORT <"$work/peers.out"
wait_port "$PROXY_PORT" peers

# The Python that has websockify (python3, or the venv scripts/setup.sh made).
. scripts/websockify-python.sh
export WEBSOCKIFY_PYTHON # the page suites that start websockify themselves (tests/browser/websockify.js)

# websockify in one-target mode: one in front of the target server, one in front of a closed
# port (its refusal comes after the WebSocket opened). `timeout` bounds their lives.
timeout 900 "$WEBSOCKIFY_PYTHON" -m websockify "127.0.0.1:$WS_PORT" "127.0.0.1:$TARGET_PORT" >"$work/websockify.log" 2>&1 &
pids+=($!)
timeout 900 "$WEBSOCKIFY_PYTHON" -m websockify "127.0.0.1:$WS_REFUSED_PORT" "127.0.0.1:$CLOSED_PORT" >"$work/websockify-refused.log" 2>&1 &
pids+=($!)
wait_port "$WS_PORT" websockify
wait_port "$WS_REFUSED_PORT" websockify-refused

echo "[test-browser] target :$TARGET_PORT, kvsocket-proxy :$PROXY_PORT, websockify :$WS_PORT and :$WS_REFUSED_PORT"
# The ports reach the tests at compile time (option_env! in tests/wasm_browser.rs).
KVSOCKET_TARGET_PORT=$TARGET_PORT KVSOCKET_CLOSED_PORT=$CLOSED_PORT KVSOCKET_PROXY_PORT=$PROXY_PORT \
KVSOCKET_WEBSOCKIFY_PORT=$WS_PORT KVSOCKET_WEBSOCKIFY_REFUSED_PORT=$WS_REFUSED_PORT \
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=180 \
  wasm-pack test --headless --chrome -- --test wasm_browser

node --test --test-timeout=120000 tests/browser/demo.test.js tests/browser/listen.test.js tests/browser/spec-review.test.js tests/browser/report.test.js tests/browser/token.test.js \
  tests/browser/direct.test.js tests/browser/promises.test.js tests/browser/options.test.js tests/browser/irc.test.js \
  tests/browser/tls.test.js tests/browser/connect.test.js tests/browser/connect-tls.test.js \
  tests/browser/receive-pause.test.js
