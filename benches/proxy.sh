#!/usr/bin/env bash
# kvsocket-proxy against websockify (benches/proxy.js): the same download and upload through each,
# side by side. Skipped with a note when websockify is missing (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
# PYTHON overrides; otherwise the Python the setup and test scripts find websockify in.
. scripts/websockify-python.sh
export PYTHON=${PYTHON:-$WEBSOCKIFY_PYTHON}
if ! "$PYTHON" -c 'import websockify' 2>/dev/null; then
  echo "proxy bench skipped: no websockify for $PYTHON (scripts/setup.sh installs it)"
  exit 0
fi
node benches/proxy.js
