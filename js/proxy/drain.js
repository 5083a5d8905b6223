// A graceful stop (SIGTERM, or proxy.drain()): the listener closes at once, so new clients go
// elsewhere (a load balancer's next instance, or the kernel's refusal), while the tunnels
// already open go on for up to the drain timeout: a transfer that ends within it arrives
// whole. Those still open then are closed with 1001 (Going Away) and the reason 'shutdown',
// which kvsocket's browser host reports as ProxyConnectionClosed (docs/browser-host.md), and
// Wisp clients see as their WebSocket closing.

import { CLOSE, REASON } from './tunnel-codes.js';

/** The close code and reason of a WebSocket still open when the drain runs out. */
export const SHUTDOWN = Object.freeze({ code: CLOSE.GOING_AWAY, reason: REASON.SHUTDOWN });

// After the 1001 goes out, how long a client has to answer the close handshake before
// everything left is cut.
const CLOSE_GRACE_MS = 2000;

/**
 * `server`: the HTTP server; `websockets`: the set of those open now; `connections`: every
 * client connection open now (WebSockets included); `close()`: the hard stop (everything
 * cut). `start(timeout)` resolves once every connection has closed; calling it again returns
 * the same promise. `draining` is true from the start.
 */
export function drainer({ server, websockets, connections, close, log }) {
  let done = null;
  const state = {
    draining: false,
    start(timeout) {
      if (done) return done;
      state.draining = true;
      log(`draining: accepting no new connections; ${websockets.size} WebSockets open, closed in ${timeout / 1000} s at the latest`, 'warn');
      done = new Promise((resolve) => {
        let timer = null;
        const finish = () => {
          clearTimeout(timer);
          resolve();
        };
        // The listener stops now (a worker's primary stops its own); idle HTTP keep-alive
        // connections go at once, the others as they end.
        if (server.listening) server.close();
        server.closeIdleConnections?.();
        const check = () => connections.size === 0 && finish();
        for (const sock of connections) sock.once('close', () => setImmediate(check));
        check();
        timer = setTimeout(() => {
          if (websockets.size) log(`drain timeout: closing ${websockets.size} WebSockets (${SHUTDOWN.code} ${SHUTDOWN.reason})`, 'warn');
          for (const ws of websockets) ws.close(SHUTDOWN.code, SHUTDOWN.reason);
          setTimeout(() => close().then(finish, finish), CLOSE_GRACE_MS).unref();
        }, timeout);
      });
      return done;
    },
  };
  return state;
}
