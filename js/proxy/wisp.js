// kvsocket-proxy's Wisp endpoint (docs/proxy-protocol.md, Wisp): on the path /wisp/ one
// WebSocket carries many TCP and UDP streams (the Wisp protocol, 1.2 and the v2 draft). Every
// stream passes the same checks as a per-socket tunnel: the Origin and token of the upgrade
// (admit.js, before this runs), the --allow rules and address classes (policy.js: the proxy
// resolves and dials only checked addresses), and the connection cap (slots, one per stream).
// What the server decides is told in Wisp's terms: a CLOSE with the reason (blocked,
// unreachable, refused, timed out, throttled), and, for v2 clients, the stream-open
// confirmation, so a page learns a refused target before it is "connected".

import dgram from 'node:dgram';
import { WebSocketServer } from 'ws';
import { dialTcp } from './connect.js';
import { Refusal } from './policy.js';
import { show } from './request.js';
import { HIGH } from './tunnel.js';
import { CLOSE, EXT, TYPE, StreamType, closePacket, continuePacket, dataPacket, infoPacket, parsePacket } from './wisp-packet.js';

/** The path of the Wisp endpoint (a Wisp URL ends with '/'). */
export const WISP_PATH = '/wisp/';

/** DATA packets a stream may have in flight towards its target (the CONTINUE credit). */
const BUFFER = 128;

/** Whether an upgrade request is for the Wisp endpoint. */
export const isWispRequest = (req) => new URL(req.url, 'ws://proxy').pathname === WISP_PATH;

/** A CLOSE reason for what stopped a stream from opening. */
function reasonOf(err) {
  if (err instanceof Refusal) {
    if (err.status === 403) return CLOSE.BLOCKED;
    if (err.status === 400) return CLOSE.INVALID_INFO;
    if (err.status === 504) return CLOSE.CONNECT_TIMEOUT;
  }
  switch (err?.code) {
    case 'ECONNREFUSED': return CLOSE.REFUSED;
    case 'ETIMEDOUT': return CLOSE.CONNECT_TIMEOUT;
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EHOSTUNREACH': case 'ENETUNREACH': return CLOSE.UNREACHABLE;
    default: return CLOSE.NETWORK_ERROR;
  }
}

/**
 * The Wisp route: `wispRoute(ctx)` completes an admitted upgrade on /wisp/ and serves the
 * connection. `env` is the proxy's (policy, slots, stats, log, track, connectTimeout).
 */
export function wispEndpoint(env, { maxFrame }) {
  // Its own WebSocket server: a v2 client offers a subprotocol (any), which is answered with
  // the first one offered; none offered is a v1 client.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrame,
    perMessageDeflate: false,
    handleProtocols: (offered) => offered.values().next().value ?? false,
  });

  return function wispRoute(ctx) {
    const v2 = Boolean(ctx.req.headers['sec-websocket-protocol']);
    ctx.accept((ws) => serve(env, ws, ctx.from, v2), wss);
  };
}

function serve(env, ws, from, v2) {
  const streams = new Map();
  let ready = false;
  let confirms = false;
  const send = (packet) => {
    if (ws.readyState === ws.OPEN) ws.send(packet);
  };

  const end = (id, reason) => {
    const s = streams.get(id);
    if (!s) return;
    streams.delete(id);
    s.stop();
    s.slot.release();
    if (reason !== undefined) send(closePacket(id, reason));
  };

  if (v2) send(infoPacket(0, 2, 0, [[EXT.UDP, new Uint8Array(0)], [EXT.STREAM_CONFIRMATION, new Uint8Array(0)]]));
  else start();

  function start() {
    ready = true;
    send(continuePacket(0, BUFFER));
  }

  ws.on('message', (data, isBinary) => {
    if (!isBinary) return; // Wisp is binary; the reference servers ignore text frames too
    let p;
    try {
      p = parsePacket(data);
    } catch (err) {
      env.log(`wisp ${from}: ${err.message}; closing`);
      return ws.close(1002, 'malformed Wisp packet');
    }
    if (!ready) {
      // v2: the client's INFO (its extensions) ends our half of the handshake.
      if (p.type !== TYPE.INFO) return ws.close(1002, 'expected the client INFO');
      confirms = p.extensions.some(([id]) => id === EXT.STREAM_CONFIRMATION);
      return start();
    }
    switch (p.type) {
      case TYPE.CONNECT: return open(p);
      case TYPE.DATA: return streams.get(p.stream)?.write(p.payload);
      case TYPE.CLOSE: {
        const s = streams.get(p.stream);
        // A voluntary close is the client's end: what it wrote is still delivered (FIN after).
        if (s && p.reason === CLOSE.VOLUNTARY) return s.finish(() => end(p.stream));
        return end(p.stream);
      }
      default: return undefined; // CONTINUE and INFO from a client mean nothing now
    }
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    for (const id of [...streams.keys()]) end(id);
  });

  function open({ stream: id, streamType, port, host }) {
    if (id === 0 || streams.has(id)) return send(closePacket(id, CLOSE.INVALID_INFO));
    if (env.slots.full()) {
      env.log(`wisp ${from}: ${show(host, port)} refused: connection cap reached`);
      return send(closePacket(id, CLOSE.THROTTLED));
    }
    // Until the target answers, what the client sends waits (a client may send at once).
    const early = [];
    const s = {
      slot: env.slots.take(),
      stop: () => {},
      write: (payload) => early.push(payload),
      finish: (done) => early.push(done),
    };
    streams.set(id, s);
    const deadline = Date.now() + env.connectTimeout;
    const opening = (async () => {
      const checked = await env.policy.target(host, port, deadline);
      if (streamType === StreamType.UDP) return udpStream(env, id, s, checked, send, () => end(id, CLOSE.NETWORK_ERROR));
      const dial = dialTcp(checked.addresses, port, deadline);
      s.stop = dial.cancel;
      return tcpStream(env, ws, id, s, await dial.ready, send, (reason) => end(id, reason));
    })();
    opening.then(
      () => {
        if (streams.get(id) !== s) return s.stop();
        env.stats.opened += 1;
        if (confirms) send(continuePacket(id, BUFFER));
        for (const item of early.splice(0)) {
          if (typeof item === 'function') s.finish(item);
          else s.write(item);
        }
      },
      (err) => {
        if (streams.get(id) !== s) return;
        env.stats.refused += 1;
        env.log(`wisp ${from}: ${show(host, port)} refused: ${err.code ?? ''} ${err.message}`);
        end(id, reasonOf(err));
      },
    );
  }
}

// A TCP stream: DATA to the target; the target's bytes as DATA; CONTINUE as the target takes
// the client's packets; the target's end is a voluntary CLOSE, its failure a network error.
function tcpStream(env, ws, id, s, tcp, send, ended) {
  const forget = env.track(() => tcp.destroy());
  let taken = 0; // packets written since the last CONTINUE
  let paused = false;
  const credit = () => {
    if (taken >= BUFFER / 2 && !tcp.writableNeedDrain) {
      taken = 0;
      send(continuePacket(id, BUFFER));
    }
  };
  s.write = (payload) => {
    env.stats.bytesFromClients += payload.length;
    tcp.write(payload);
    taken += 1;
    credit();
  };
  s.finish = (done) => {
    tcp.off('close', onClose);
    tcp.end();
    done();
  };
  s.stop = () => {
    forget();
    tcp.off('close', onClose);
    if (!tcp.writableEnded) tcp.destroy();
  };
  tcp.on('drain', credit);
  // The WebSocket is shared: a stream whose bytes pile up in it waits until they leave.
  const resume = () => {
    if (!paused) return;
    paused = false;
    tcp.resume();
  };
  tcp.on('data', (chunk) => {
    env.stats.bytesToClients += chunk.length;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount <= HIGH) return ws.send(dataPacket(id, chunk));
    // Called once this packet, and so every one before it, has left.
    paused = true;
    tcp.pause();
    ws.send(dataPacket(id, chunk), resume);
  });
  let failed = false;
  tcp.on('error', () => { failed = true; });
  const onClose = () => ended(failed ? CLOSE.NETWORK_ERROR : CLOSE.VOLUNTARY);
  tcp.on('close', onClose);
}

// A UDP stream: one DATA packet, one datagram, to the one checked address.
function udpStream(env, id, s, checked, send, failed) {
  const { address, family } = checked.addresses[0];
  const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  const forget = env.track(() => sock.close());
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(checked.port, address, () => {
      sock.off('error', reject);
      sock.on('error', () => {}); // ICMP errors: a datagram lost, not the stream
      sock.on('message', (msg) => send(dataPacket(id, msg)));
      s.write = (payload) => sock.send(payload, (err) => err && failed());
      s.finish = (done) => done();
      s.stop = () => {
        forget();
        try { sock.close(); } catch { /* closed */ }
      };
      resolve();
    });
  });
}
