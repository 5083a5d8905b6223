// IP addresses as the proxy checks them: every spelling of a host reduced to one canonical form,
// and the class of an address (loopback, private, …) that decides whether a wildcard rule may
// reach it. Pure functions: no DNS, no sockets.

import net from 'node:net';

/** Thrown for a host that is neither a host name nor an IP address in any spelling. */
export class HostError extends Error {}

// One IPv4 part as inet_aton and the WHATWG URL parser read it: decimal, 0x hex or 0-led octal.
function ipv4Part(text) {
  if (/^0x[0-9a-f]*$/i.test(text)) return text.length === 2 ? 0 : parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return parseInt(text.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  return NaN;
}

// RFC 1123 labels (and `_`, which real names use), case-folded before the test.
const NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

const isNumericLabel = (label) => /^(0x[0-9a-f]*|[0-9]+)$/i.test(label);

/**
 * `127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`, `127.0.0.1.` -> '127.0.0.1'; null when
 * the text is not an IPv4 address in any of the forms a resolver (or a browser) accepts. Throws
 * HostError for a name whose last label is a number but which is no valid IPv4 address
 * (`1.2.3.4.5`, `1.256.0.0.0`): the URL standard rejects those, getaddrinfo would guess.
 */
export function parseLooseIPv4(text) {
  const labels = text.split('.');
  if (labels.length > 1 && labels[labels.length - 1] === '') labels.pop(); // the root dot
  if (!isNumericLabel(labels[labels.length - 1])) return null;
  const parts = labels.map(ipv4Part);
  const bad = () => new HostError(`'${text}' looks like an IPv4 address but is not one`);
  if (parts.length > 4 || parts.some((n) => Number.isNaN(n))) throw bad();
  const last = parts.pop();
  if (parts.some((n) => n > 255) || last >= 256 ** (4 - parts.length)) throw bad();
  let value = last;
  parts.forEach((n, i) => (value += n * 256 ** (3 - i)));
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The 16 bytes of an IPv6 literal (checked by net.isIPv6 first). */
export function ipv6Bytes(text) {
  let groups = text;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1].split('.').map(Number);
    groups = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = groups.split('::');
  const words = (s) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const r = rest === undefined ? [] : words(rest);
  const all = [...h, ...new Array(8 - h.length - r.length).fill(0), ...r];
  return all.flatMap((w) => [w >> 8, w & 255]);
}

const dotted = (bytes) => bytes.join('.');
const zeros = (bytes, from, to) => bytes.slice(from, to).every((b) => b === 0);

/**
 * The IPv4 address an IPv6 address stands for, or null: IPv4-mapped `::ffff:a.b.c.d` (the
 * system connects to the IPv4 address), NAT64 `64:ff9b::a.b.c.d` (a NAT64 gateway does) and
 * 6to4 `2002:AABB:CCDD::/48` (a 6to4 relay does).
 */
export function embeddedIPv4(ip6) {
  const b = ipv6Bytes(ip6);
  if (zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return dotted(b.slice(12));
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(b, 4, 12)) return dotted(b.slice(12));
  if (b[0] === 0x20 && b[1] === 0x02) return dotted(b.slice(2, 6));
  return null;
}

/**
 * A host as the proxy checks and dials it: {ip} for an address in any spelling (IPv4-mapped
 * IPv6 becomes the IPv4 address, since that is what the system dials), {name} (lower-cased,
 * without the root dot) for a host name. Throws HostError otherwise.
 */
export function canonicalHost(text) {
  let host = String(text);
  const bracketed = /^\[(.*)\]$/.exec(host);
  if (bracketed) host = bracketed[1];
  if (host.includes('%')) throw new HostError(`'${text}': IPv6 zone ids are not supported`);
  if (net.isIPv6(host)) {
    const b = ipv6Bytes(host);
    const mapped = zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff;
    return { ip: mapped ? dotted(b.slice(12)) : host.toLowerCase() };
  }
  if (bracketed) throw new HostError(`'${text}' is not an IPv6 address`);
  const v4 = parseLooseIPv4(host.toLowerCase());
  if (v4) return { ip: v4 };
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!NAME.test(name) || name.length > 253) throw new HostError(`'${text}' is not a host name or IP address`);
  return { name };
}

// The addresses no wildcard reaches (docs/proxy-protocol.md, "Address classes"). More specific
// blocks first: the first block holding an address gives its class.
const SPECIAL = [
  ['0.0.0.0/8', 'unspecified'], // "this network": 0.0.0.0 dials the machine itself
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT (RFC 6598)
  ['169.254.0.0/16', 'link-local'], // cloud metadata services live here
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved'], // IPv4-compatible IPv6, deprecated
  ['fc00::/7', 'private'], // unique local
  ['fec0::/10', 'private'], // site-local, deprecated
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
].map(([cidr, cls]) => {
  const [ip, bits] = cidr.split('/');
  const type = net.isIPv4(ip) ? 'ipv4' : 'ipv6';
  const block = new net.BlockList();
  block.addSubnet(ip, Number(bits), type);
  return { cidr, cls, type, bits: Number(bits), block };
});

/** The address classes a rule or option can open: every class but 'public'. */
export const CLASSES = [...new Set(SPECIAL.map((s) => s.cls))];

const typeOf = (ip) => (net.isIPv4(ip) ? 'ipv4' : 'ipv6');

/**
 * 'public', or the special class of a canonical IP address ('loopback', 'private',
 * 'link-local', 'unspecified', 'multicast', 'broadcast', 'reserved'). An IPv6 address that
 * stands for an IPv4 one (NAT64, 6to4) has the IPv4 address's class when that is special.
 */
export function classify(ip) {
  const type = typeOf(ip);
  const own = SPECIAL.find((s) => s.type === type && s.block.check(ip, type));
  if (own) return own.cls;
  const inner = type === 'ipv6' ? embeddedIPv4(ip) : null;
  return inner ? classify(inner) : 'public';
}

/**
 * The special class a whole CIDR block lies in ('loopback' for 127.0.0.0/8 or 127.0.0.1/32),
 * or null for a block that is not inside one (0.0.0.0/0 spans them all and names none).
 */
export function classOfBlock(ip, bits) {
  const type = typeOf(ip);
  const inside = SPECIAL.find((s) => s.type === type && s.bits <= bits && s.block.check(ip, type));
  if (inside) return inside.cls;
  if (type === 'ipv6' && bits >= 96) {
    const inner = embeddedIPv4(ip);
    // A block inside the IPv4 part of a NAT64 or mapped range names that IPv4 block.
    if (inner && ipv6Bytes(ip)[0] !== 0x20) return classOfBlock(inner, bits - 96);
  }
  return null;
}
