// Node's engine module (pkg/kvsocket_node*), instantiated for the proxy as the Node entry does (a
// process that runs both shares one instance): the Wisp codec (wisp-packet.js) and the per-socket
// protocol's words and numbers (tunnel-codes.js) are its.

import { initSync } from '../../pkg/kvsocket_node.js';
import { wasmBytes } from '../../pkg/kvsocket_node_wasm.js';

/** The instance's memory, where the codec leaves its answers. */
export const { memory } = initSync({ module: wasmBytes() });
