// Browser entry: TCP over a WebSocket to a proxy (docs/spec.md, Hosts). The wasm comes inline
// (pkg/kvsocket_wasm.js) and is instantiated synchronously at import: `Socket` is ready when the
// import resolves, with no fetch, no top-level await and no .wasm file for a bundler to handle.
//
//   import { Socket } from 'kvsocket';
//   Socket.defaultProxy = 'ws://127.0.0.1:8081/?host={host}&port={port}';

import {
  initSync, Engine, hexToBytes, textOfBytes, hexOfBytes, isWispUrl, browserRefusal, wispPerform, batchHeader, batchKinds, setShelf, hostTuning, statusNames, overStatuses, errorCodeName,
  textScratch, textOfScratch, browserPerform, directCheck,
} from '../../pkg/kvsocket.js';
import { createWispHost } from '../wisp/host.js';
import { wasmBytes } from '../../pkg/kvsocket_wasm.js';
import { createSocketClass } from '../socket.js';
import { createDirectSockets } from '../direct/index.js';
import { createConnect } from '../connect.js';
import { withTlsLayer } from '../tls/layer.js';

const { memory } = initSync({ module: wasmBytes() });

// The proxy resolves host names, so the engine skips HostLookUp and hands names to the host.
// (Engines made inside wasm for incoming connections inherit the setting from their listener.)
class BrowserEngine extends Engine {
  constructor() {
    super();
    this.setTransportResolvesNames(true);
  }
}

// Sockets of a Wisp URL share its WebSocket, the browser's own (src/transport/wisp/, docs/wisp.md).
const wispHost = createWispHost({ wispPerform, isWispUrl });

/** The facade's host: the browser transport in Rust performs (src/transport/browser/, over
 * web-sys; src/transport/wisp/ for Wisp sockets); `refuse` asks the engine what a browser cannot do with
 * the socket's proxy URL (src/engine/proxy.rs, and a Wisp URL's own refusals). */
const browserHostAdapter = {
  perform: (action, link) => (wispHost.owns(action, link) ? wispHost.perform(action, link) : browserPerform(action, link)),
  // A Wisp stream sends a write's bytes in the call or copies them (src/transport/wisp/out.rs), and so
  // does a tunnel (WebSocket.send copies; its transport says `sendsInCall`): their sockets lend
  // them (js/socket.js).
  borrows(link) {
    const t = link.transport;
    return t !== undefined && (t.wisp !== undefined || t.sendsInCall === true);
  },
  refuse: (command, options, protocol) => browserRefusal(options.proxy, command, protocol === 'udp'),
};

export const Socket = createSocketClass({
  Engine: BrowserEngine, hexToBytes, textOfBytes, hexOfBytes, host: withTlsLayer(browserHostAdapter), wasm: { memory, batchHeader, batchKinds, setShelf, hostTuning, statusNames, overStatuses, textScratch, textOfScratch, errorCodeName },
});
export const { TCPSocket, UDPSocket, TCPServerSocket } = createDirectSockets(Socket, directCheck);
/** Cloudflare's connect() (the WinterCG sockets API): docs/connect.md. */
export const connect = createConnect(Socket, directCheck);
export { SocketError } from '../promises.js';
export default Socket;
