// Reads what an upgrade request asks for. Every complaint becomes a 400 whose body is the message.

import net from 'node:net';
import { unbracket } from './allow.js';

export class BadRequest extends Error {}

/** The query of a request target such as `/?host=a&port=1`. */
export function queryOf(url) {
  try {
    return new URL(url, 'ws://proxy').searchParams;
  } catch {
    throw new BadRequest(`cannot read the request target '${url}'`);
  }
}

function port(text, name, min) {
  if (text === null) throw new BadRequest(`missing ${name}=`);
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= 65535)) throw new BadRequest(`${name}=${text} is not a port (${min}-65535)`);
  return n;
}

/** `?host=&port=`: a target, the host as the client spelled it (the policy reads it). */
export function targetOf(query) {
  const host = query.get('host');
  if (!host) throw new BadRequest('missing host=');
  return { host, port: port(query.get('port'), 'port', 1) };
}

/** `?listen=&iface=`: where to bind. No iface (or an empty one) means 0.0.0.0, every IPv4 interface. */
export function bindingOf(query) {
  const ip = unbracket(query.get('iface') || '0.0.0.0');
  if (!net.isIP(ip)) throw new BadRequest(`iface=${ip} is not an IP address`);
  return { ip, port: port(query.get('listen'), 'listen', 0) };
}

/** The route a request takes: 'claim', 'listen', 'udp-listen', 'udp' or 'tcp'. */
export function routeOf(query) {
  const udp = query.get('udp');
  if (udp !== null && udp !== '1') throw new BadRequest(`udp=${udp}: use udp=1 or leave it out`);
  if (query.has('claim')) return 'claim';
  if (query.has('listen')) return udp ? 'udp-listen' : 'listen';
  return udp ? 'udp' : 'tcp';
}

/** `host:port` for messages, with IPv6 bracketed. */
export const show = (host, port) => (net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`);
