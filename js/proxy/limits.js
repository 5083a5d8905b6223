// Every bound of the proxy in one place: its defaults (what --help shows), and the cap on the
// connections clients make to it, counted from the moment they connect (so half-sent handshakes
// count too), in all and per client (an IPv4 address, an IPv6 block), with a deadline for the
// handshake.

import net from 'node:net';
import { ipv6Bytes } from './address.js';
import { httpResponse } from './http.js';
import { NO_METRICS } from './metrics.js';

export const DEFAULTS = Object.freeze({
  maxConnections: 512, // sessions, and client connections to the proxy, at once
  maxPerClient: 128, // client connections and Wisp streams from one client at once
  clientPrefixV6: 64, // IPv6 clients in one such block are one client (one host may hold a /64)
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
const SHARE = Symbol('kvsocket-proxy client share');

/**
 * Who a client is, for the per-client cap: its IPv4 address (an IPv4-mapped IPv6 address is
 * the IPv4 client), or for IPv6 the block of `prefixV6` bits it is in (`2001:db8:0:1::/64`):
 * a host given a /64 has 2^64 addresses to come from. A zone (`%eth0`) is dropped.
 */
export function clientKey(address, prefixV6 = DEFAULTS.clientPrefixV6) {
  const ip = String(address).replace(/%.*$/, '');
  if (!net.isIPv6(ip)) return ip;
  const b = ipv6Bytes(ip);
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b.slice(12).join('.');
  const kept = b.map((x, i) => {
    const bits = Math.max(0, Math.min(8, prefixV6 - 8 * i));
    return x & (0xff << (8 - bits)) & 0xff;
  });
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((kept[i] << 8) | kept[i + 1]).toString(16));
  // The block's groups up to its last non-zero one, then '::' (or all eight).
  let last = 7;
  while (last >= 0 && groups[last] === '0') last -= 1;
  const shown = last === 7 ? groups.join(':') : `${groups.slice(0, last + 1).join(':')}::`;
  return `${shown}/${prefixV6}`;
}

/**
 * Counts the TCP connections clients make to the proxy, and, per client (clientKey), those
 * and the Wisp streams it has open. `admit(sock)` (from the HTTP server's 'connection') turns
 * one away with a 503 when `max` are open or `perClient` are the client's, and otherwise
 * starts its handshake deadline; `handshakeDone(sock)` (on 'upgrade') stops that.
 * `take(address)` counts one more for the client (a Wisp stream): a hold to release(), or null
 * when it has `perClient`. `stats.clients` is the number of connections open now.
 */
export function clientLimits({ max, perClient, prefixV6, handshakeTimeout, stats, log, metrics = NO_METRICS, trusted = () => false }) {
  const byClient = new Map();
  stats.clients = 0;
  const keyOf = (address) => clientKey(address ?? '?', prefixV6);
  function take(address) {
    const key = keyOf(address);
    const mine = byClient.get(key) ?? 0;
    if (perClient > 0 && mine >= perClient) {
      metrics.capHit('max_per_client');
      return null;
    }
    byClient.set(key, mine + 1);
    let held = true;
    return {
      release() {
        if (!held) return;
        held = false;
        const left = byClient.get(key) - 1;
        if (left > 0) byClient.set(key, left);
        else byClient.delete(key);
      },
    };
  }
  return {
    take,
    /** Why `address` may not have one more (for the refusal), e.g. `too many connections from 2001:db8::/64 (max 128)`. */
    tooMany: (address) => `too many connections from ${keyOf(address)} (max ${perClient})`,
    admit(sock) {
      const full = max > 0 && stats.clients >= max;
      if (full) metrics.capHit('max_connections');
      // A trusted load balancer carries many clients: each is counted once its request names it (identify).
      const peerTrusted = trusted(sock.remoteAddress);
      const mine = full || peerTrusted ? null : take(sock.remoteAddress);
      const why = full ? `too many connections (max ${max})` : !peerTrusted && !mine ? this.tooMany(sock.remoteAddress) : null;
      if (why) {
        log(`turned away a client: ${why}`, 'warn');
        sock.on('error', () => {});
        sock.end(httpResponse(503, 'Service Unavailable', why));
        sock.destroySoon?.();
        setTimeout(() => sock.destroy(), 1000).unref();
        return false;
      }
      stats.clients += 1;
      sock[SHARE] = mine;
      sock[HANDSHAKE] = setTimeout(() => {
        metrics.capHit('handshake_timeout');
        sock.destroy();
      }, handshakeTimeout);
      sock.once('close', () => {
        clearTimeout(sock[HANDSHAKE]);
        stats.clients -= 1;
        sock[SHARE]?.release();
      });
      return true;
    },
    /**
     * A connection from a trusted proxy, once its request named the real client: null, or
     * why that client has too many (the caller refuses with 503). The share is the
     * connection's, as admit's is for others (handOver passes it on). Nothing to do for other
     * connections (admit counted their peer).
     */
    identify(sock, client) {
      if (!trusted(sock.remoteAddress ?? '?')) return null;
      const mine = take(client);
      if (!mine) return this.tooMany(client);
      sock[SHARE] = mine;
      return null;
    },
    /**
     * The client's share of connection `sock`, handed to the session it opens (a slot keeps
     * it, slots.js) so that it lasts as long as the session's slot: past the connection's
     * close while its target's name is still looked up. Null once handed over.
     */
    handOver(sock) {
      const share = sock[SHARE] ?? null;
      sock[SHARE] = null;
      return share;
    },
    handshakeDone(sock) {
      clearTimeout(sock[HANDSHAKE]);
      sock[HANDSHAKE] = null; // not kept for the session's life
    },
  };
}
