// Browser entry: TCP over a WebSocket to a proxy (docs/spec.md, Hosts). The wasm comes inline
// (pkg/kvsocket_wasm.js) and is instantiated synchronously at import: `Socket` is ready when the
// import resolves, with no fetch, no top-level await and no .wasm file for a bundler to handle.
//
//   import { Socket } from 'kvsocket';
//   Socket.defaultProxy = 'ws://127.0.0.1:8081/?host={host}&port={port}';

import {
  initSync, Engine, hexToBytes, textOfBytes, hexOfBytes, isWispUrl, wispRefusal, WispClient, batchHeader, batchKinds, statusNames, errorCodeName,
  textScratch, textOfScratch,
} from '../../pkg/kvsocket.js';
import { browserHost, isKvsocketProxy, openWebSocket, sendsInCall, whenRoom } from './host.js';
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

const NO_PROXY = 'no proxy URL configured: set options.proxy or Socket.defaultProxy';
const NO_LISTEN = "listen in a browser needs kvsocket-proxy's reverse tunnel: this proxy URL has no {host}/{port} placeholders, so it is a one-target proxy (websockify), which cannot listen";
const NO_UDP = "UDP in a browser needs kvsocket-proxy's datagram mode: this proxy URL has no {host}/{port} placeholders, so it is a one-target proxy (websockify), which carries TCP only";

const badScheme = (scheme) => `the proxy URL must be a WebSocket URL (ws:, wss:, http: or https:), not ${scheme}`;

/** The template's scheme when a browser would reject it as a WebSocket URL, else ''. */
function rejectedScheme(template) {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(template)?.[1].toLowerCase();
  // No scheme: a relative URL, which the browser resolves against the page's own.
  return scheme === undefined || ['ws', 'wss', 'http', 'https'].includes(scheme) ? '' : `${scheme}:`;
}

// Sockets of a Wisp URL share its WebSocket (js/wisp/, docs/wisp.md).
const wispHost = createWispHost({
  WispClient,
  memory,
  isWispUrl,
  openWebSocket,
  // A browser's WebSocket copies what send() is given before it returns.
  send: (ws, packet) => ws.send(packet),
  // DATA waiting for room looks at the buffer again as a tunnel's bytes do.
  whenRoom,
});

/** The facade's host: js/browser/host.js performs (js/wisp/ for Wisp sockets); `refuse` says
 * what a browser cannot do. */
const browserHostAdapter = {
  perform: (action, link) => (wispHost.owns(action, link) ? wispHost.perform(action, link) : browserHost.perform(action, link)),
  // A Wisp stream sends a write's bytes in the call or copies them (js/wisp/data.js), and so
  // does a tunnel (WebSocket.send copies; js/browser/host.js): their sockets lend them
  // (js/socket.js).
  borrows(link) {
    const t = link.transport;
    return t !== undefined && (t.wisp !== undefined || sendsInCall(t));
  },
  refuse(command, options, protocol) {
    const proxy = options.proxy;
    // A template with placeholders is kvsocket-proxy's form (its reverse tunnel and datagram mode
    // live at the same address); one without is websockify's one-target mode
    // (docs/browser-host.md). The test is the host's own (js/browser/host.js).
    if (typeof proxy !== 'string' || proxy === '') return NO_PROXY;
    // A Wisp server (wisp+ws:// or wisp+wss://): TCP and UDP streams over one shared WebSocket.
    if (isWispUrl(proxy)) return wispRefusal(proxy, command);
    // new WebSocket() throws for any other scheme: refused here, with the reason, rather than
    // a ProxyNotFound event after connect() returned true.
    const scheme = rejectedScheme(proxy);
    if (scheme) return badScheme(scheme);
    if (isKvsocketProxy(proxy)) return '';
    if (protocol === 'udp') return NO_UDP;
    if (command === 'listen') return NO_LISTEN;
    return '';
  },
};

export const Socket = createSocketClass({
  Engine: BrowserEngine, hexToBytes, textOfBytes, hexOfBytes, host: withTlsLayer(browserHostAdapter, (link, id) => link.get(id)?.remoteIp ?? ''), wasm: { memory, batchHeader, batchKinds, statusNames, textScratch, textOfScratch, errorCodeName },
});
export const { TCPSocket, UDPSocket, TCPServerSocket } = createDirectSockets(Socket);
/** Cloudflare's connect() (the WinterCG sockets API): docs/connect.md. */
export const connect = createConnect(Socket);
export { SocketError } from '../promises.js';
export default Socket;
