// Allow rules: which targets a tunnel may reach (--allow) and which local addresses a reverse
// tunnel or UDP socket may bind (--allow-listen). Everything not matched is denied.
//
// A rule is HOST:PORTS. HOST is a host name, an IP address, a CIDR block (IP literals only), or
// `*`; PORTS is a port, a range `lo-hi`, or `*`. IPv6 may be bracketed: `[::1]:7000`,
// `[fd00::]/8:*`. Names match names and addresses match addresses, never across: the check runs
// before any DNS lookup, so `127.0.0.1:7000` does not allow `localhost:7000`.

import net from 'node:net';

const NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

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

/** A host as the allow check and DNS see it: IP literals as they are, names lower-cased. */
export function normalizeHost(host) {
  const h = unbracket(String(host));
  if (net.isIP(h)) return h;
  const name = h.toLowerCase().replace(/\.$/, '');
  if (!NAME.test(name) || name.length > 253) throw new Error(`'${host}' is not a host name or IP address`);
  return name;
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
  const [ip, prefix, extra] = host.split('/');
  const type = net.isIPv4(ip) ? 'ipv4' : net.isIPv6(ip) ? 'ipv6' : null;
  if (!type || extra !== undefined) return null;
  const max = type === 'ipv4' ? 32 : 128;
  const bits = prefix === undefined ? max : Number(prefix);
  if (!/^\d+$/.test(prefix ?? '0') || bits > max) {
    throw new Error(`/${prefix} is not a prefix length for ${type} (0-${max})`);
  }
  const block = new net.BlockList();
  block.addSubnet(ip, bits, type);
  return { block };
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

function hostMatches(r, host) {
  if (r.any) return true;
  if (r.block) return net.isIP(host) !== 0 && r.block.check(host, ipType(host));
  return r.name === host;
}

/** The first rule allowing host:port, or undefined. `host` must come from normalizeHost. */
export function findRule(rules, host, port) {
  return rules.find((r) => port >= r.lo && port <= r.hi && hostMatches(r, host));
}
