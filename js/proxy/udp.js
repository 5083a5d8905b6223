// UDP for the page: one binary WebSocket message is one datagram, both ways.
// Connect mode (?udp=1&host=&port=) talks to one allowed peer; bound mode (?udp=1&listen=&iface=)
// binds an allowed local port, names each datagram's sender in a text frame before it, and sends
// to the destination the page last named (itself checked against --allow).

import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import { findRule, normalizeHost } from './allow.js';
import { parseControl, sendControl, sendError } from './control.js';
import { bindingOf, show, targetOf } from './request.js';
import { HIGH } from './tunnel.js';

const family = (ip) => (net.isIPv6(ip) ? 'udp6' : 'udp4');

// Closing twice throws; the page and proxy.close() may both get there.
function closeQuietly(sock) {
  try {
    sock.close();
  } catch {
    /* already closed */
  }
}

// Datagrams may be lost anyway: when the page does not keep up, drop rather than queue.
function forward(ws, msg, counters) {
  if (ws.readyState !== ws.OPEN || ws.bufferedAmount > HIGH) return false;
  counters.bytesToClients += msg.length;
  ws.send(msg, { binary: true });
  return true;
}

/** ?udp=1&host=&port=: a UDP socket connected to an allowed peer before the upgrade is answered. */
export async function udpConnect(ctx, env) {
  const { host, port } = targetOf(ctx.query);
  const target = show(host, port);
  if (!findRule(env.allowRules, host, port)) return ctx.refuse(403, 'Forbidden', `target denied: ${target}`);
  let sock;
  try {
    const { address } = await dns.lookup(host);
    if (ctx.aborted) return;
    sock = dgram.createSocket(family(address));
    ctx.onAbort(() => closeQuietly(sock));
    await new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(port, address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if (sock) closeQuietly(sock);
    if (ctx.aborted) return;
    return ctx.refuse(502, err.code ?? 'EUNKNOWN', `UDP to ${target} failed: ${err.message}`);
  }
  const forget = env.track(() => closeQuietly(sock));
  const accepted = ctx.accept((ws) => {
    const local = sock.address();
    const remote = sock.remoteAddress();
    sendControl(ws, { type: 'connected', localIp: local.address, localPort: local.port, remoteIp: remote.address, remotePort: remote.port });
    sock.on('message', (msg) => forward(ws, msg, env.stats));
    // ICMP "port unreachable" and the like: worth telling, not worth closing for.
    sock.on('error', (err) => sendError(ws, err.code ?? 'UnknownSocket', err.message));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return ws.close(1003, 'text frames are not datagrams here: send binary frames');
      env.stats.bytesFromClients += data.length;
      sock.send(data, (err) => err && sendError(ws, err.code ?? 'UnknownSocket', `send to ${target}: ${err.message}`));
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      forget();
      closeQuietly(sock);
    });
  });
  if (!accepted) {
    forget();
    closeQuietly(sock);
  }
}

// A {type: 'to', host, port} control message -> the destination, or an error sent to the page.
function destinationOf(ws, message, allowRules) {
  let host, port;
  try {
    host = normalizeHost(message.host ?? '');
    port = Number(message.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port ${message.port} is not 1-65535`);
  } catch (err) {
    sendError(ws, 'BadMessage', `to: ${err.message}`);
    return null;
  }
  if (!findRule(allowRules, host, port)) {
    sendError(ws, 'TargetDenied', `target denied: ${show(host, port)}`);
    return null;
  }
  return { host, port };
}

/** ?udp=1&listen=&iface=: a UDP socket bound to an allowed local address for the page. */
export function udpBind(ctx, env) {
  const { ip, port } = bindingOf(ctx.query);
  if (!findRule(env.listenRules, ip, port)) return ctx.refuse(403, 'Forbidden', `listen denied: ${show(ip, port)}`);
  ctx.accept((ws) => {
    const sock = dgram.createSocket(family(ip));
    const forget = env.track(() => closeQuietly(sock));
    let bound = false;
    let destination = null; // set by the page's last valid {type: 'to'}

    sock.on('error', (err) => {
      sendError(ws, err.code ?? 'UnknownSocket', bound ? err.message : `bind ${show(ip, port)}: ${err.message}`);
      if (!bound) ws.close(1011, String(err.code ?? 'error'));
    });
    sock.bind({ address: ip, port }, () => {
      bound = true;
      const a = sock.address();
      sendControl(ws, { type: 'listening', ip: a.address, port: a.port });
    });
    sock.on('message', (msg, from) => {
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount > HIGH) return;
      sendControl(ws, { type: 'from', ip: from.address, port: from.port });
      forward(ws, msg, env.stats);
    });

    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const message = parseControl(data);
        if (message?.type !== 'to') return sendError(ws, 'BadMessage', `expected {"type":"to","host":..,"port":..}, got ${String(data).slice(0, 100)}`);
        destination = destinationOf(ws, message, env.allowRules);
        return;
      }
      if (!bound) return sendError(ws, 'NotBound', 'datagram dropped: the socket is not bound yet');
      if (!destination) return sendError(ws, 'NoDestination', 'datagram dropped: send {"type":"to",...} first');
      env.stats.bytesFromClients += data.length;
      const { host, port: to } = destination;
      sock.send(data, to, host, (err) => err && sendError(ws, err.code ?? 'UnknownSocket', `send to ${show(host, to)}: ${err.message}`));
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      forget();
      closeQuietly(sock);
    });
  });
}
