// The real client behind a load balancer: X-Forwarded-For and Forwarded (RFC 7239) are read
// only on connections from addresses the operator trusts (--trust-proxy), since anyone else
// could write whatever they like there. The chain is read from the right (the hop nearest to
// us): trusted proxies are skipped, and the first address that is not one is the client.

import net from 'node:net';

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) -> `127.0.0.1`. */
export const plainIp = (ip) => (typeof ip === 'string' && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? ip.slice(7) : ip);

/**
 * The trusted addresses (IPs and CIDR blocks such as `10.0.0.0/8`, `[fd00::]/8`) -> a function
 * telling whether an address is one of them. Throws an Error naming a bad entry.
 */
export function trustCheck(list = []) {
  if (list.length === 0) return () => false;
  const block = new net.BlockList();
  for (const entry of list) {
    const m = /^\[?([^\]/]+)\]?(?:\/(\d{1,3}))?$/.exec(String(entry).trim());
    const ip = m && m[1];
    const type = ip && net.isIPv4(ip) ? 'ipv4' : ip && net.isIPv6(ip) ? 'ipv6' : null;
    const bits = m?.[2] === undefined ? null : Number(m[2]);
    if (!type || (bits !== null && bits > (type === 'ipv4' ? 32 : 128))) {
      throw new Error(`--trust-proxy ${entry}: expected an IP address or a CIDR block (10.0.0.0/8, [fd00::]/8)`);
    }
    if (bits === null) block.addAddress(ip, type);
    else block.addSubnet(ip, bits, type);
  }
  return (address) => {
    const ip = plainIp(address);
    return net.isIPv4(ip) ? block.check(ip, 'ipv4') : net.isIPv6(ip) ? block.check(ip, 'ipv6') : false;
  };
}

// One hop as written in either header: an IP, maybe quoted, bracketed, with a port; null for
// anything else (`unknown`, an obfuscated `_hidden` identifier, garbage).
function hopAddress(text) {
  let t = text.trim().replace(/^"(.*)"$/, '$1');
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(t);
  if (v6) t = v6[1];
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(t)) t = t.slice(0, t.lastIndexOf(':'));
  return net.isIP(t) ? plainIp(t) : null;
}

/** The `for=` hops of Forwarded (RFC 7239), first to last; null when there is no such header. */
function forwardedHops(header) {
  if (header === undefined) return null;
  const hops = [];
  for (const element of header.split(',')) {
    const pair = element.split(';').map((p) => p.trim()).find((p) => /^for=/i.test(p));
    hops.push(pair === undefined ? null : hopAddress(pair.slice(4)));
  }
  return hops;
}

/**
 * The client of a request: the peer itself unless it is trusted; then the first hop from the
 * right of Forwarded (or, without it, X-Forwarded-For) that is not trusted. A hop that cannot
 * be read stops the walk at the last address that could: what lies beyond it is unknown.
 */
export function realClient(headers, peer, trusted) {
  let client = plainIp(peer);
  if (!trusted(client)) return client;
  const xff = headers['x-forwarded-for'];
  const hops = forwardedHops(headers.forwarded) ?? (xff === undefined ? [] : xff.split(',').map(hopAddress));
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    if (hops[i] === null) break;
    client = hops[i];
    if (!trusted(client)) break;
  }
  return client;
}
