// Browser entry: TCP over a WebSocket to a proxy (SPEC.md, Hosts). The wasm module is fetched
// and instantiated by the top-level await, so `Socket` is ready when the import resolves.
//
//   import { Socket } from 'kvsocket';
//   Socket.defaultProxy = 'ws://127.0.0.1:8081/?host={host}&port={port}';

import init, { Engine, hexToBytes, BrowserHost, isKvsocketProxy } from '../../pkg/kvsocket.js';
import { createSocketClass } from '../socket.js';

await init();

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

const browserHost = new BrowserHost();

/** The facade's host: the Rust BrowserHost performs; `refuse` says what a browser cannot do. */
export const browserHostAdapter = {
  perform: (action, link) => browserHost.perform(action, link),
  refuse(command, options, protocol) {
    const proxy = options.proxy;
    // A template with placeholders is kvsocket-proxy's form (its reverse tunnel and datagram mode
    // live at the same address); one without is websockify's one-target mode
    // (docs/browser-host.md). The test is the Rust host's own (src/transport/url.rs).
    if (typeof proxy !== 'string' || proxy === '') return NO_PROXY;
    if (isKvsocketProxy(proxy)) return '';
    if (protocol === 'udp') return NO_UDP;
    if (command === 'listen') return NO_LISTEN;
    return '';
  },
};

export const Socket = createSocketClass({ Engine: BrowserEngine, hexToBytes, host: browserHostAdapter });
export default Socket;
