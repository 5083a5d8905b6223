// Node entry: the wasm engine (inline in pkg/kvsocket_wasm.js) is instantiated synchronously at
// import, so `Socket` is ready when `import { Socket } from 'kvsocket'` resolves (no init()
// call), and a bundle of this entry needs no .wasm file beside it.

import {
  initSync, Engine, hexToBytes, textOfBytes, hexOfBytes, batchHeader, batchKinds, setShelf, hostTuning, statusNames, overStatuses, textScratch, textOfScratch, errorCodeName, directCheck,
  nodeProxyRefusal,
} from '../../pkg/kvsocket_node.js';
import { wasmBytes } from '../../pkg/kvsocket_node_wasm.js';
import { createSocketClass } from '../socket.js';
import { createDirectSockets } from '../direct/index.js';
import { createConnect } from '../connect.js';
import { nodeHost } from './host.js';
import { installDuplex, toDuplex } from './duplex.js';
import { withWisp } from './wisp.js';
import { createEngines } from '../engines.js';
import { withTlsLayer } from '../tls/layer.js';

const exports = initSync({ module: wasmBytes() });
const { memory } = exports;

const host = {
  ...nodeHost,
  // Node connects directly: a proxy URL would be ignored without a word, so the engine's rule
  // refuses it (src/engine/proxy.rs; docs/spec.md, Construction and lifetime).
  checkOptions(options) {
    const why = nodeProxyRefusal(options.proxy);
    if (why) throw new TypeError(why);
  },
};

export const Socket = createSocketClass({
  Engine, hexToBytes, textOfBytes, hexOfBytes,
  // TLS: node:tls over net connections (js/node/tls.js), the page's wasm TLS over Wisp streams.
  host: withTlsLayer(withWisp(host), (action, link) => link.get(action.id)?.wisp === undefined),
  wasm: { memory, batchHeader, batchKinds, setShelf, hostTuning, statusNames, overStatuses, textScratch, textOfScratch, errorCodeName },
  engines: createEngines(Engine, exports),
});
installDuplex(Socket);
export const { TCPSocket, UDPSocket, TCPServerSocket } = createDirectSockets(Socket, directCheck);
/** Cloudflare's connect() (the WinterCG sockets API): docs/connect.md. */
export const connect = createConnect(Socket, directCheck);
export { toDuplex };
export { SocketError } from '../promises.js';
export default Socket;
