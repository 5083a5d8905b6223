// Every bound of the proxy in one place: its defaults (what --help shows), and the cap on the
// connections clients make to it, counted from the moment they connect (so half-sent handshakes
// count too), in all and per client address, with a deadline for the handshake.

import { httpResponse } from './http.js';
import { NO_METRICS } from './metrics.js';

export const DEFAULTS = Object.freeze({
  maxConnections: 512, // sessions, and client connections to the proxy, at once
  maxPerClient: 128, // client connections from one address at once
  maxFrame: 256 << 10, // largest WebSocket message accepted (the browser host sends 64 KiB)
  wispStreamBuffer: 4 << 20, // bytes a Wisp stream may have the proxy hold for its target (wisp-credit.js)
  wispBuffer: 16 << 20, // bytes all streams of one Wisp WebSocket may have it hold (then it is not read)
  maxPending: 16, // incoming connections of one listener waiting to be claimed
  connectTimeout: 10_000, // ms to look a target up and connect to it
  handshakeTimeout: 10_000, // ms from a client's TCP connect to its complete upgrade request
  idleTimeout: 30 * 60_000, // ms a tunnel or UDP session may carry nothing either way (0 = never)
  claimTimeout: 10_000, // ms an incoming connection waits to be claimed
});

const HANDSHAKE = Symbol('kvsocket-proxy handshake timer');

/**
 * Counts the TCP connections clients make to the proxy. `admit(sock)` (from the HTTP server's
 * 'connection') turns one away with a 503 when `max` are open or `perClient` come from its
 * address, and otherwise starts its handshake deadline; `handshakeDone(sock)` (on 'upgrade')
 * stops that. `stats.clients` is the number open now.
 */
export function clientLimits({ max, perClient, handshakeTimeout, stats, log, metrics = NO_METRICS, trusted = () => false }) {
  const byAddress = new Map();
  stats.clients = 0;
  // One client address more, or the reason it is one too many.
  const count = (address) => {
    const mine = byAddress.get(address) ?? 0;
    if (perClient > 0 && mine >= perClient) {
      metrics.capHit('max_per_client');
      return `too many connections from ${address} (max ${perClient})`;
    }
    byAddress.set(address, mine + 1);
    return null;
  };
  const uncount = (address) => {
    const left = byAddress.get(address) - 1;
    if (left > 0) byAddress.set(address, left);
    else byAddress.delete(address);
  };
  return {
    admit(sock) {
      const address = sock.remoteAddress ?? '?';
      // A trusted load balancer carries many clients: each is counted once its request names it (identify).
      const why = max > 0 && stats.clients >= max ? (metrics.capHit('max_connections'), `too many connections (max ${max})`)
        : trusted(address) ? null : count(address);
      if (why) {
        log(`turned away a client: ${why}`, 'warn');
        sock.on('error', () => {});
        sock.end(httpResponse(503, 'Service Unavailable', why));
        sock.destroySoon?.();
        setTimeout(() => sock.destroy(), 1000).unref();
        return false;
      }
      stats.clients += 1;
      sock[HANDSHAKE] = setTimeout(() => {
        metrics.capHit('handshake_timeout');
        sock.destroy();
      }, handshakeTimeout);
      sock.once('close', () => {
        clearTimeout(sock[HANDSHAKE]);
        stats.clients -= 1;
        if (!trusted(address)) uncount(address);
      });
      return true;
    },
    /**
     * A connection from a trusted proxy, once its request named the real client: null, or
     * why that client has too many (the caller refuses with 503). Counted until the socket
     * closes. Nothing to do for other connections (admit counted their peer).
     */
    identify(sock, client) {
      if (!trusted(sock.remoteAddress ?? '?')) return null;
      const why = count(client);
      if (!why) sock.once('close', () => uncount(client));
      return why;
    },
    handshakeDone(sock) {
      clearTimeout(sock[HANDSHAKE]);
    },
  };
}
