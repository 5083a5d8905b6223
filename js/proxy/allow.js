// Allow rules: which targets a tunnel may reach (--allow) and which local addresses a reverse
// tunnel or UDP socket may bind (--allow-listen). Everything not matched is denied.
//
// A rule is HOST:PORTS. HOST is a host name, an IP address, a CIDR block (IP literals only), or
// `*`; PORTS is a port, a range `lo-hi`, or `*`. IPv6 may be bracketed: `[::1]:7000`,
// `[fd00::]/8:*`. Names match names and addresses match addresses, never across: the name check
// runs before any DNS lookup, so `127.0.0.1:7000` does not allow `localhost:7000`. What a name
// resolves to is checked again as an address (policy.js).
//
// Special addresses (loopback, private, link-local, …: address.js) are reached only by a rule
// whose IP or CIDR block lies inside their class, or by `*` and wider blocks once an option
// (--allow-loopback, --allow-private) opens the class.

import net from 'node:net';
import { canonicalHost, classOfBlock, classify } from './address.js';

/** Splits `host:port` at the last colon and drops IPv6 brackets: `[::1]:80` -> ['::1', '80']. */
export function splitHostPort(text) {
  const at = text.lastIndexOf(':');
  if (at <= 0) throw new Error(`'${text}' is not HOST:PORT`);
  return [unbracket(text.slice(0, at)), text.slice(at + 1)];
}

/** `[::1]` -> `::1`; `[fd00::]/8` and `[fd00::/8]` -> `fd00::/8`. */
export function unbracket(host) {
  const m = /^\[([^\]]*)\](\/\d+)?$/.exec(host);
  return m ? m[1] + (m[2] ?? '') : host;
}

/**
 * A host as the allow check and DNS see it: an IP address in its canonical spelling (`127.1`,
 * `0x7f000001` and `::ffff:127.0.0.1` are all `127.0.0.1`), a name lower-cased without the root
 * dot. Throws for anything else.
 */
export function normalizeHost(host) {
  const h = canonicalHost(host);
  return h.ip ?? h.name;
}

/** `*`, `6697` or `9000-9100` -> {lo, hi}. */
export function parsePorts(text, min = 1) {
  if (text === '*') return { lo: min, hi: 65535 };
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const lo = m && Number(m[1]);
  const hi = m && Number(m[2] ?? m[1]);
  if (!m || lo < min || hi > 65535 || lo > hi) {
    throw new Error(`'${text}' is not a port (${min}-65535), a range lo-hi, or *`);
  }
  return { lo, hi };
}

function parseAddressPart(host) {
  if (host === '*') return { any: true };
  const [text, prefix, extra] = host.split('/');
  let ip = net.isIP(text) ? canonicalHost(text).ip : null;
  // A single address may be spelled any way a resolver reads it (`127.1`); a block may not.
  if (!ip && prefix === undefined) ip = safeIp(text);
  const type = ip && (net.isIPv4(ip) ? 'ipv4' : 'ipv6');
  if (!type || extra !== undefined) return null;
  const max = type === 'ipv4' ? 32 : 128;
  let bits = prefix === undefined ? max : Number(prefix);
  if (!/^\d+$/.test(prefix ?? '0') || bits > max) {
    throw new Error(`/${prefix} is not a prefix length for ${type} (0-${max})`);
  }
  // An IPv4-mapped block (::ffff:127.0.0.0/104) is the IPv4 block.
  if (type === 'ipv4' && net.isIPv6(text)) bits = Math.max(0, bits - 96);
  const block = new net.BlockList();
  block.addSubnet(ip, bits, type);
  return { block, cls: classOfBlock(ip, bits) };
}

function safeIp(text) {
  try {
    return canonicalHost(text).ip ?? null;
  } catch {
    return null;
  }
}

// Runs a rule parser so that any complaint names the option and the rule it came from.
function explained(option, rule, parse) {
  try {
    return parse();
  } catch (err) {
    throw new Error(`bad ${option} rule '${rule}': ${err.message}`);
  }
}

/** Parses one --allow rule. Throws an Error naming the rule when it makes no sense. */
export function parseTargetRule(rule) {
  return explained('--allow', rule, () => {
    const [host, portText] = splitHostPort(rule);
    const ports = parsePorts(portText, 1);
    const address = parseAddressPart(host);
    if (address) return { rule, ...address, ...ports };
    if (host.includes('/')) throw new Error('a CIDR block needs an IP address');
    return { rule, name: normalizeHost(host), ...ports };
  });
}

/** Parses one --allow-listen rule: an interface address or block (or `*`) and ports (0 = any). */
export function parseListenRule(rule) {
  return explained('--allow-listen', rule, () => {
    const [host, portText] = splitHostPort(rule);
    const ports = parsePorts(portText, 0);
    const address = parseAddressPart(host);
    if (!address) throw new Error('the interface must be an IP address, a CIDR block or *');
    return { rule, ...address, ...ports };
  });
}

const ipType = (ip) => (net.isIPv4(ip) ? 'ipv4' : 'ipv6');
const inPorts = (r, port) => port >= r.lo && port <= r.hi;

/**
 * The first rule letting a client reach host:port, or undefined. `host` comes from
 * normalizeHost. A name needs a name rule or `*`; an address needs `*` or a block holding it,
 * and a special address (address.js) also needs its class in `open` (a Set filled from
 * --allow-loopback / --allow-private) or a rule whose own block lies inside that class.
 */
export function findRule(rules, host, port, open = new Set()) {
  if (!net.isIP(host)) return rules.find((r) => inPorts(r, port) && (r.any || r.name === host));
  const cls = classify(host);
  const reachable = (r) => cls === 'public' || open.has(cls) || r.cls === cls;
  return rules.find((r) => inPorts(r, port) && (r.any || r.block?.check(host, ipType(host))) && reachable(r));
}

/**
 * Whether an address a name resolved to may be dialled: a public one may (the name's rule said
 * so), a special one only with its class open or an address rule naming it on that port.
 */
export function resolvedAllowed(rules, ip, port, open = new Set()) {
  const cls = classify(ip);
  if (cls === 'public' || open.has(cls)) return true;
  return rules.some((r) => inPorts(r, port) && r.cls === cls && r.block.check(ip, ipType(ip)));
}
