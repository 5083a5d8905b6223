// Which web pages may open sessions (the Origin header a browser sends with every WebSocket).
// Without --origin only pages served from this machine's loopback addresses get in, so that a
// site the user visits cannot drive a proxy on 127.0.0.1 (cross-site WebSocket hijacking).
// Clients that send no Origin are not web pages (a browser always sends one) and get in: the
// Origin check protects the user's browser, not the proxy from local programs.

import net from 'node:net';
import { canonicalHost, classify } from './address.js';

/** http(s) pages on localhost, *.localhost, 127.0.0.0/8 or [::1]. */
export function isLoopbackOrigin(origin) {
  let url;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (!net.isIP(host)) return false;
  return classify(canonicalHost(host).ip) === 'loopback';
}

/**
 * The Origin check from --origin values: [] = loopback pages (and no Origin), ['*'] = any,
 * otherwise exact matches (a listed origin may be 'null', what sandboxed and file: pages send).
 * `allows(origin)` takes the header (undefined when absent); `describe()` is for the startup line.
 */
export function originCheck(origins = []) {
  const any = origins.includes('*');
  const exact = new Set(origins.filter((o) => o !== '*'));
  return {
    allows(origin) {
      if (any) return true;
      if (exact.size > 0) return origin !== undefined && exact.has(origin);
      return origin === undefined || isLoopbackOrigin(origin);
    },
    describe() {
      if (any) return 'pages from any origin (--origin *)';
      if (exact.size > 0) return `pages from ${[...exact].join(', ')} only`;
      return 'pages from loopback origins (http(s)://localhost, 127.0.0.0/8, [::1]) and clients that send no Origin';
    },
  };
}
