// Browser entry: TCP over a WebSocket to a proxy (SPEC.md, Hosts). The wasm module is fetched
// and instantiated by the top-level await, so `Socket` is ready when the import resolves.
//
//   import { Socket } from 'kvsocket';
//   Socket.defaultProxy = 'ws://127.0.0.1:8081/?host={host}&port={port}';

import init, { Engine, hexToBytes, BrowserHost } from '../../pkg/kvsocket.js';
import { createSocketClass } from '../socket.js';

await init();

// The proxy resolves host names, so the engine skips HostLookUp and hands names to the host.
class BrowserEngine extends Engine {
  constructor() {
    super();
    this.setTransportResolvesNames(true);
  }

  // Engines made inside wasm (an incoming connection's) are plain Engine objects; the facade's
  // `instanceof` check must take them too. They inherit the setting from their listener.
  static [Symbol.hasInstance](value) {
    return value instanceof Engine;
  }
}

const NO_PROXY = 'no proxy URL configured: set options.proxy or Socket.defaultProxy';
const NO_LISTEN = "listen in a browser needs kvsocket-proxy's reverse tunnel mode, which this build does not use yet";
const NO_UDP = "UDP in a browser needs kvsocket-proxy's datagram mode, which this build does not use yet";

const browserHost = new BrowserHost();

/** The facade's host: the Rust BrowserHost performs; `refuse` says what a browser cannot do. */
export const browserHostAdapter = {
  perform: (action, link) => browserHost.perform(action, link),
  refuse(command, options, protocol) {
    if (command === 'listen') return NO_LISTEN;
    if (protocol === 'udp') return NO_UDP;
    if (typeof options.proxy !== 'string' || options.proxy === '') return NO_PROXY;
    return '';
  },
};

export const Socket = createSocketClass({ Engine: BrowserEngine, hexToBytes, host: browserHostAdapter });
export default Socket;
