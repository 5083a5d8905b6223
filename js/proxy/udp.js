// UDP for the page: one binary WebSocket message is one datagram, both ways.
// Connect mode (?udp=1&host=&port=) talks to one allowed peer; bound mode (?udp=1&listen=&iface=)
// binds an allowed local port, names each datagram's sender in a text frame before it, and sends
// to the destination the page last named (itself checked, and resolved, by the policy).

import dgram from 'node:dgram';
import net from 'node:net';
import { answerer, parseControl, sendControl, sendError } from './control.js';
import { Refusal } from './policy.js';
import { bindingOf, show, targetOf } from './request.js';
import { HIGH, LOW } from './tunnel.js';
import { CLOSE, CODE, REASON, TYPE } from './tunnel-codes.js';

const family = (ip) => (net.isIPv6(ip) ? 'udp6' : 'udp4');

// Closing twice throws; the page and proxy.close() may both get there.
export function closeQuietly(sock) {
  try {
    sock.close();
  } catch {
    /* already closed */
  }
}

/**
 * Datagrams may be lost anyway: when the client does not keep up (more than HIGH queued on its
 * WebSocket), drop rather than queue. Counts what it sends; `frame(msg)` wraps the datagram
 * for the WebSocket (a Wisp DATA packet), the datagram as it is by default. False if dropped.
 */
export function forward(ws, msg, counters, frame = (m) => m) {
  if (ws.readyState !== ws.OPEN || ws.bufferedAmount > HIGH) return false;
  counters.bytesToClients += msg.length;
  ws.send(frame(msg), { binary: true });
  return true;
}

/**
 * Stops reading a WebSocket while anyone holds it: `hold()` / `release()`, counted, so that
 * the sessions sharing one WebSocket (Wisp streams) each hold it without letting it go for
 * the others.
 */
export function pauser(ws) {
  let holds = 0;
  return {
    hold() {
      holds += 1;
      if (holds === 1) ws.pause();
    },
    release() {
      holds -= 1;
      if (holds === 0 && ws.readyState === ws.OPEN) ws.resume();
    },
  };
}

/**
 * Sends a client's datagrams with the bytes not yet handed to the system bounded: above HIGH
 * the client's WebSocket is held (`reading`, a pauser()) until the sends done bring it under
 * LOW. After idleTimeout ms without a datagram either way, `onIdle()` (by default the
 * session's WebSocket is closed with 1011 ETIMEDOUT). `stop()` when the session ends.
 */
export function sender(ws, sock, env, { reading = pauser(ws), onIdle = () => ws.readyState === ws.OPEN && ws.close(CLOSE.ERROR, REASON.TIMED_OUT) } = {}) {
  let pending = 0;
  let holding = false;
  let idle = null;
  if (env.idleTimeout > 0) {
    idle = setTimeout(onIdle, env.idleTimeout);
    idle.unref();
  }
  const letGo = () => {
    if (!holding) return;
    holding = false;
    reading.release();
  };
  let flushed = null; // run once every send is done
  let stopped = false;
  return {
    touch: () => idle?.refresh(),
    stop() {
      stopped = true;
      clearTimeout(idle);
      letGo();
    },
    /** Runs fn once every datagram given to send() has been handed to the system (now, if none waits). */
    whenSent(fn) {
      if (pending === 0) fn();
      else flushed = fn;
    },
    send(data, port, address, onError) {
      if (stopped) return; // the session has ended: its socket is closed, nobody hears of it
      idle?.refresh();
      env.stats.bytesFromClients += data.length;
      pending += data.length;
      if (pending > HIGH && !holding) {
        holding = true;
        reading.hold();
      }
      const done = (err) => {
        pending -= data.length;
        if (pending <= LOW) letGo();
        if (err) onError(err);
        if (pending === 0 && flushed) {
          const fn = flushed;
          flushed = null;
          fn();
        }
      };
      // A socket closed meanwhile throws (ERR_SOCKET_DGRAM_NOT_RUNNING): that is this send's
      // error, never an exception for the caller.
      try {
        if (address === undefined) sock.send(data, done);
        else sock.send(data, port, address, done);
      } catch (err) {
        done(err);
      }
    },
  };
}

/**
 * Checks and resolves a UDP peer and connects a socket to its first checked address: {sock,
 * target} (target: host:port for messages), or a Refusal (the policy's, or 502 with the
 * socket's error code; ECANCELED when `signal` aborted first: no socket is left open). `slot`
 * is held until a lookup settles (policy.js).
 */
export async function connectUdp(env, host, port, signal, slot) {
  // Counted like a dial (metrics.js): by kind and result, with the time to connect.
  const started = performance.now();
  try {
    const opened = await connectUdpPeer(env, host, port, signal, slot);
    env.metrics.opened(env.kind ?? 'udp', null, (performance.now() - started) / 1000);
    return opened;
  } catch (err) {
    env.metrics.opened(env.kind ?? 'udp', err);
    throw err;
  }
}

async function connectUdpPeer(env, host, port, signal, slot) {
  const { addresses, host: canonical } = await env.policy.target(host, port, Date.now() + env.connectTimeout, { slot });
  const target = show(canonical, port);
  const abandoned = () => new Refusal(502, 'ECANCELED', `UDP to ${target} abandoned`);
  if (signal?.aborted) throw abandoned();
  const { address } = addresses[0];
  const sock = dgram.createSocket(family(address));
  let onAbort;
  try {
    await new Promise((resolve, reject) => {
      onAbort = () => reject(abandoned());
      signal?.addEventListener('abort', onAbort);
      sock.once('error', reject);
      sock.connect(port, address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    closeQuietly(sock);
    throw err instanceof Refusal ? err : new Refusal(502, String(err.code ?? 'EUNKNOWN'), `UDP to ${target} failed: ${err.message}`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { sock, target };
}

/** ?udp=1&host=&port=: a UDP socket connected to a checked address before the upgrade is answered. */
export async function udpConnect(ctx, env) {
  const { host, port } = targetOf(ctx.query);
  let connected;
  try {
    connected = await connectUdp(env, host, port, ctx.signal, ctx.slot);
  } catch (err) {
    if (ctx.aborted) return;
    throw err;
  }
  const { sock, target } = connected;
  if (ctx.aborted) return closeQuietly(sock);
  const forget = env.track(() => closeQuietly(sock));
  const accepted = ctx.accept((ws) => {
    const local = sock.address();
    const remote = sock.remoteAddress();
    const reading = pauser(ws);
    const out = sender(ws, sock, env, { reading });
    // The errors come from the client's datagrams: answers, under the WebSocket's HIGH.
    const answer = answerer(ws, reading);
    sendControl(ws, { type: TYPE.CONNECTED, localIp: local.address, localPort: local.port, remoteIp: remote.address, remotePort: remote.port });
    sock.on('message', (msg) => forward(ws, msg, env.stats) && out.touch());
    // ICMP "port unreachable" and the like: worth telling, not worth closing for.
    sock.on('error', (err) => sendError(ws, err.code ?? CODE.UNKNOWN, err.message, answer));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return ws.close(CLOSE.UNSUPPORTED_DATA, 'text frames are not datagrams here: send binary frames');
      out.send(data, undefined, undefined, (err) => sendError(ws, err.code ?? CODE.UNKNOWN, `send to ${target}: ${err.message}`, answer));
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      out.stop();
      forget();
      closeQuietly(sock);
    });
  });
  if (!accepted) {
    forget();
    closeQuietly(sock);
  }
}

// A {type: 'to', host, port} control message -> {host, port} to check, or an error for the page.
function destinationOf(message) {
  const port = Number(message.port);
  if (typeof message.host !== 'string' || message.host === '') return { error: 'to: host must be a non-empty string' };
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: `to: port ${message.port} is not 1-65535` };
  return { host: message.host, port };
}

/** ?udp=1&listen=&iface=: a UDP socket bound to an allowed local address for the page. */
export function udpBind(ctx, env) {
  const { ip, port } = bindingOf(ctx.query);
  const refusal = env.policy.listen(ip, port);
  if (refusal) return ctx.refuseWith(refusal);
  ctx.accept((ws) => {
    const sock = dgram.createSocket(family(ip));
    const forget = env.track(() => closeQuietly(sock));
    const reading = pauser(ws);
    const out = sender(ws, sock, env, { reading });
    // Every message but a datagram's "from" answers something the client sent (its messages,
    // or its datagrams for ICMP errors): sent under the WebSocket's HIGH (control.js).
    const answer = answerer(ws, reading);
    const error = (code, message) => sendError(ws, code, message, answer);
    let bound = false;
    let destination = null; // {address, port}, checked: set by the page's last valid `to`
    // While a `to` naming a host is being looked up, the messages after it wait here, in order.
    let waiting = null;

    sock.on('error', (err) => {
      error(err.code ?? CODE.UNKNOWN, bound ? err.message : `bind ${show(ip, port)}: ${err.message}`);
      if (!bound) ws.close(CLOSE.ERROR, String(err.code ?? 'error'));
    });
    sock.bind({ address: ip, port, exclusive: true }, () => { // exclusive: see listen.js
      bound = true;
      const a = sock.address();
      sendControl(ws, { type: TYPE.LISTENING, ip: a.address, port: a.port });
    });
    sock.on('message', (msg, from) => {
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount > HIGH) return;
      sendControl(ws, { type: TYPE.FROM, ip: from.address, port: from.port });
      forward(ws, msg, env.stats);
      out.touch();
    });

    function setDestination(message) {
      destination = null; // a refused `to` never leaves the older destination in place
      const wanted = destinationOf(message);
      if (wanted.error) return error(CODE.BAD_MESSAGE, wanted.error);
      waiting = [];
      reading.hold(); // the rest stays in the kernel while we look the name up
      // Each handler runs once the lookup settled, perhaps after the session ended: a closed
      // session drops what waited (its socket is closed), and nothing a handler does may
      // escape as a rejection (that would end the proxy process).
      env.policy.target(wanted.host, wanted.port, Date.now() + env.connectTimeout, { slot: ctx.slot }).then(
        (checked) => {
          destination = { address: checked.addresses[0].address, port: wanted.port };
        },
        (err) => error(!(err instanceof Refusal) ? CODE.UNKNOWN : err.code === 'BadRequest' ? CODE.BAD_MESSAGE : err.code, `to: ${err.message}`),
      ).then(() => {
        const queued = waiting;
        waiting = null;
        reading.release();
        if (ws.readyState !== ws.OPEN) return;
        for (const [data, isBinary] of queued) onMessage(data, isBinary);
      }).catch(env.internal);
    }

    function onMessage(data, isBinary) {
      if (waiting) return waiting.push([data, isBinary]);
      if (!isBinary) {
        const message = parseControl(data);
        if (message?.type !== TYPE.TO) return error(CODE.BAD_MESSAGE, `expected {"type":"to","host":..,"port":..}, got ${String(data).slice(0, 100)}`);
        return setDestination(message);
      }
      if (!bound) return error(CODE.NOT_BOUND, 'datagram dropped: the socket is not bound yet');
      if (!destination) return error(CODE.NO_DESTINATION, 'datagram dropped: send {"type":"to",...} first');
      const { address, port: to } = destination;
      out.send(data, to, address, (err) => error(err.code ?? CODE.UNKNOWN, `send to ${show(address, to)}: ${err.message}`));
    }

    ws.on('message', onMessage);
    ws.on('error', () => {});
    ws.on('close', () => {
      out.stop();
      forget();
      closeQuietly(sock);
    });
  });
}
