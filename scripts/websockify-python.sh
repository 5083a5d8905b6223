# Sourced by the scripts that run websockify (setup.sh, test-browser.sh, benches/proxy.sh): sets
# WEBSOCKIFY_VENV (where setup.sh installs websockify when python3 refuses pip installs, PEP 668;
# KVSOCKET_WEBSOCKIFY_VENV to put it elsewhere) and WEBSOCKIFY_PYTHON, the Python that has
# websockify: python3 if it has it, else the venv's. `websockify_ready` says whether it runs.
WEBSOCKIFY_VENV=${KVSOCKET_WEBSOCKIFY_VENV:-$HOME/.cache/kvsocket/websockify-venv}
WEBSOCKIFY_PYTHON=python3
python3 -c 'import websockify' 2>/dev/null || WEBSOCKIFY_PYTHON=$WEBSOCKIFY_VENV/bin/python
websockify_ready() { "$WEBSOCKIFY_PYTHON" -c 'import websockify' 2>/dev/null; }
