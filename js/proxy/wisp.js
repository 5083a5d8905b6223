// kvsocket-proxy's Wisp endpoint (docs/proxy-protocol.md, Wisp): on the path /wisp/ one
// WebSocket carries many TCP and UDP streams (the Wisp protocol, 1.2 and the v2 draft). Every
// stream passes the same checks as a per-socket tunnel: the Origin and token of the upgrade
// (admit.js, before this runs), the --allow rules and address classes (policy.js: the proxy
// resolves and dials only checked addresses), and the connection caps (a slot per stream, and
// one of its client's places under --max-per-client).
// What the server decides is told in Wisp's terms: a CLOSE with the reason (blocked,
// unreachable, refused, timed out, throttled), and, for v2 clients, the stream-open
// confirmation, so a page learns a refused target before it is "connected". Targets are
// dialled by connect.js's openTarget and UDP peers connected by udp.js's connectUdp, the
// per-socket routes' own, and datagrams follow udp.js's rules: one place for each rule.
// A CLOSE ends a stream id at once (the protocol's rule): nothing more is sent for it, and a
// CONNECT may use it again.

import { WebSocketServer } from 'ws';
import { openTarget } from './connect.js';
import { answerer } from './control.js';
import { Refusal } from './policy.js';
import { show } from './request.js';
import { isTokenProtocol } from './token.js';
import { HIGH, LINGER_MS } from './tunnel.js';
import { CLOSE as WS_CLOSE, REASON } from './tunnel-codes.js';
import { closeQuietly, connectUdp, forward, pauser, sender } from './udp.js';
import { creditPlan, streamCredit, wsBudget } from './wisp-credit.js';
import { CLOSE, EXT, TYPE, StreamType, closePacket, continuePacket, dataPacket, infoPacket, parsePacket } from './wisp-packet.js';

/** The path of the Wisp endpoint (a Wisp URL ends with '/'). */
export const WISP_PATH = '/wisp/';

/** The subprotocol a Wisp client is answered with: the first offered that is not a token. */
const wispProtocol = (offered) => [...offered].find((p) => !isTokenProtocol(p));

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
 * connection. `env` is the proxy's (policy, slots, clients, stats, log, track, timeouts).
 */
export function wispEndpoint(env, { maxFrame, streamBuffer, wsBuffer }) {
  // Its own WebSocket server: a v2 client offers a subprotocol (any: `wisp-v2` for kvsocket),
  // which is answered with the first one offered that is not a token (`kvsocket-token.…`,
  // token.js), so a token is never echoed back. A client that offers none but a token is a
  // v1 client that shows its token the way a page can: it gets no subprotocol in the answer
  // (which browsers accept; Node's `ws` client fails such a handshake, and passes ?token=
  // instead), and v1.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrame,
    perMessageDeflate: false,
    handleProtocols: (offered) => wispProtocol(offered) ?? false,
  });

  // What a stream, and a WebSocket, may make the proxy hold for targets (wisp-credit.js).
  const plan = creditPlan({ maxFrame, streamBuffer });
  env.stats.wispQueued = 0;
  env.stats.wispQueuedPeak = 0;
  return function wispRoute(ctx) {
    const offered = String(ctx.req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const v2 = wispProtocol(offered) !== undefined;
    // Each stream counts in the per-client cap of the client (behind a trusted proxy, the one it names).
    ctx.accept((ws) => serve(env, ws, ctx.from, ctx.client, v2, plan, wsBuffer), wss);
  };
}

// `address`: the client's IP address, whose per-client cap (limits.js) each stream counts in.
function serve(env, ws, from, address, v2, plan, wsBuffer) {
  const streams = new Map(); // id -> the stream the client may still use
  const reading = pauser(ws); // UDP streams hold the shared WebSocket while their sends back up
  const budget = wsBudget(wsBuffer, reading, env.stats); // and so do all streams' bytes together
  let ready = false;
  let confirms = false;
  // Every packet but a stream's DATA (and its credit) answers something the client sent (a
  // CLOSE for a refused or throttled CONNECT, a UDP stream's open confirmation): sent under the
  // WebSocket's HIGH, past which the client is not read until they have left (control.js). A
  // TCP stream's confirmation is its credit: one CONTINUE of the stream waits at a time.
  const send = answerer(ws, reading);

  // A WebSocket with no stream holds a client connection for nothing: it is closed (1011
  // ETIMEDOUT, as an idle tunnel) once it had none for idleTimeout, from its open or its last
  // stream's end; a v2 client also has handshakeTimeout to send its INFO (1002).
  let idle = null;
  if (env.idleTimeout > 0) {
    idle = setTimeout(() => streams.size === 0 && ws.readyState === ws.OPEN && ws.close(WS_CLOSE.ERROR, REASON.TIMED_OUT), env.idleTimeout);
    idle.unref();
  }
  let handshake = null;
  if (v2) {
    handshake = setTimeout(() => !ready && ws.readyState === ws.OPEN && ws.close(WS_CLOSE.PROTOCOL_ERROR, 'no client INFO in time'), env.handshakeTimeout);
    handshake.unref();
  }

  /**
   * Stream `s` is gone for the client: its id is free again and `reason` (if any) is told. With
   * `finish` the target still gets what the client sent, then a FIN; otherwise it is stopped.
   * Nothing once the id is gone or names a newer stream.
   */
  const end = (id, s, reason, finish = false) => {
    if (s === undefined || streams.get(id) !== s) return;
    streams.delete(id);
    // Fired meanwhile (while there were streams), it is armed again.
    if (streams.size === 0 && ws.readyState === ws.OPEN) idle?.refresh();
    if (finish) s.finish();
    else s.stop();
    if (reason !== undefined) send(closePacket(id, reason));
  };

  const overCredit = (id, s) => {
    env.log(`wisp ${from}: stream ${id} sent past its credit; closing it`);
    end(id, s, CLOSE.INVALID_INFO);
  };

  if (v2) send(infoPacket([EXT.UDP, EXT.STREAM_CONFIRMATION, EXT.RECEIVE_PAUSE]));
  else start();

  function start() {
    ready = true;
    clearTimeout(handshake);
    send(continuePacket(0, plan.initial));
  }

  ws.on('message', (data, isBinary) => {
    if (!isBinary) return; // Wisp is binary; the reference servers ignore text frames too
    let p;
    try {
      p = parsePacket(data);
    } catch (err) {
      env.log(`wisp ${from}: ${err.message}; closing`);
      return ws.close(WS_CLOSE.PROTOCOL_ERROR, 'malformed Wisp packet');
    }
    if (!ready) {
      // v2: the client's INFO (its extensions) ends our half of the handshake.
      if (p.type !== TYPE.INFO) return ws.close(WS_CLOSE.PROTOCOL_ERROR, 'expected the client INFO');
      confirms = p.extensions.includes(EXT.STREAM_CONFIRMATION);
      return start();
    }
    switch (p.type) {
      case TYPE.CONNECT: return open(p);
      case TYPE.DATA: return streams.get(p.stream)?.write(p.payload);
      // A voluntary close is the client's end: what it wrote is still delivered (FIN after).
      case TYPE.CLOSE: return end(p.stream, streams.get(p.stream), undefined, p.reason === CLOSE.VOLUNTARY);
      // The receive pause (docs/wisp.md): a TCP stream's target is not read while paused.
      case TYPE.PAUSE: return streams.get(p.stream)?.pause?.(p.paused);
      default: return undefined; // CONTINUE and INFO from a client mean nothing now
    }
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    clearTimeout(idle);
    clearTimeout(handshake);
    for (const [id, s] of [...streams]) end(id, s);
  });

  function open({ stream: id, streamType, port, host }) {
    if (id === 0) return send(closePacket(id, CLOSE.INVALID_INFO));
    // A CONNECT for an id in use is a client error: that stream ends, with the reason.
    if (streams.has(id)) return end(id, streams.get(id), CLOSE.INVALID_INFO);
    // A stream counts as a connection of its client's (--max-per-client), and takes a slot
    // (--max-connections); the client's share is given back with the slot.
    const share = env.clients.take(address);
    const slot = share && env.slots.tryTake();
    if (!slot) {
      share?.release();
      env.log(`wisp ${from}: ${show(host, port)} refused: ${share ? 'connection cap reached' : env.clients.tooMany(address)}`);
      return send(closePacket(id, CLOSE.THROTTLED));
    }
    slot.keep(share);
    const abort = new AbortController();
    const udp = streamType === StreamType.UDP;
    // Until the target answers, what the client sends waits (a client may send at once), within
    // the credit every stream starts with: past it a TCP stream ends with 0x41; UDP has no
    // credit, so the datagrams past it are dropped, as those for a client that does not keep up.
    const credit = streamCredit(plan, budget);
    const early = [];
    let finishing = false;
    const s = {
      write: (payload) => {
        if (credit.take(payload.length)) early.push(payload);
        else if (!udp) overCredit(id, s);
      },
      // Closed before it opened: with bytes to deliver the open goes on (they reach the target,
      // then a FIN; a v1 client cannot know when a stream is open); without, nothing is dialled.
      finish: () => (early.length > 0 ? (finishing = true) : s.stop()),
      stop: () => {
        abort.abort();
        slot.release();
        for (const payload of early.splice(0)) credit.done(payload.length);
      },
    };
    streams.set(id, s);
    const live = () => streams.get(id) === s; // whether anything may still be sent for the stream
    const opening = udp ? connectUdp(env, host, port, abort.signal, slot) : openTarget(env, host, port, { signal: abort.signal, bridged: false, slot });
    opening.then(
      (target) => {
        if (abort.signal.aborted) return udp ? closeQuietly(target.sock) : target.destroy();
        env.stats.opened += 1;
        const link = { live, ended: (reason, finish) => end(id, s, reason, finish), overCredit: () => overCredit(id, s) };
        // v2's open confirmation is a CONTINUE (for a TCP stream, the credit it can have now).
        if (udp) {
          if (confirms && live()) send(continuePacket(id, plan.initial));
          udpStream(env, ws, id, s, target.sock, slot, link, reading, credit, early);
        } else {
          tcpStream(env, ws, id, s, target, slot, link, credit, early, confirms);
        }
        if (finishing) s.finish();
      },
      (err) => {
        slot.release();
        if (!live()) return; // closed by the client meanwhile: it hears nothing more of it
        env.stats.refused += 1;
        env.log(`wisp ${from}: ${show(host, port)} refused: ${err.code ?? ''} ${err.message}`);
        end(id, s, reasonOf(err));
      },
    ).catch(env.internal); // the handlers run later, maybe after the WebSocket closed: nothing may escape
  }
}

// A TCP stream: DATA to the target, after what waited for the open; the target's bytes as DATA;
// CONTINUE as the target takes the client's bytes (wisp-credit.js: never more credit than the
// stream's bound holds of the largest packets, and a packet past the credit is 0x41). Wisp has no
// half-close: the target's FIN ends the stream with a voluntary CLOSE (after its bytes; what the
// client sent is still delivered), its failure with 0x03, --idle-timeout with 0x47. Once the
// client closed the stream, what the target sends is read and dropped until it ends, LINGER_MS at
// most (as a per-socket tunnel after its close).
function tcpStream(env, ws, id, s, tcp, slot, { live, ended, overCredit }, credit, early, confirms) {
  const forget = env.track(() => tcp.destroy());
  let paused = false;
  let failed = false;
  let linger = null;
  // One CONTINUE of the stream at a time waits in the shared WebSocket: the next is worked out
  // once it has left (a client that does not read gets no more credit; one that does gets the
  // credit of that moment). `always`: the open confirmation, sent whatever it can grant.
  let continuing = false;
  const offer = (always = false) => {
    if (continuing || !live() || ws.readyState !== ws.OPEN) return;
    const more = credit.grant(always);
    if (more === null) return;
    continuing = true;
    ws.send(continuePacket(id, more), () => {
      continuing = false;
      offer();
    });
  };
  // The WebSocket is shared: a stream whose bytes pile up in it waits until they leave. And
  // the client may pause the stream (its receive high-water mark unread: `held`).
  let held = false;
  const resume = () => {
    if (!paused) return;
    paused = false;
    if (!held) tcp.resume();
  };
  s.pause = (on) => {
    held = on;
    if (on) tcp.pause();
    else if (!paused) tcp.resume();
  };
  // Every write's callback runs, once handed to the system or dropped with the socket.
  const put = (payload) => {
    env.stats.bytesFromClients += payload.length;
    tcp.write(payload, () => {
      credit.done(payload.length);
      offer();
    });
  };
  s.write = (payload) => (credit.take(payload.length) ? put(payload) : overCredit());
  s.finish = () => {
    tcp.end(); // after everything written so far
    held = false; // what the target still sends is read and dropped
    resume();
    linger = setTimeout(() => tcp.destroy(), LINGER_MS);
    linger.unref();
  };
  s.stop = () => {
    tcp.destroy();
    slot.release();
  };
  tcp.on('data', (chunk) => {
    if (!live() || ws.readyState !== ws.OPEN) return; // the stream is gone: dropped
    env.stats.bytesToClients += chunk.length;
    if (ws.bufferedAmount <= HIGH) return ws.send(dataPacket(id, chunk));
    // Called once this packet, and so every one before it, has left.
    paused = true;
    tcp.pause();
    ws.send(dataPacket(id, chunk), resume);
  });
  tcp.on('end', () => ended(CLOSE.VOLUNTARY, true));
  tcp.on('error', () => { failed = true; });
  tcp.on('close', () => {
    forget();
    clearTimeout(linger);
    slot.release();
    ended(failed ? CLOSE.NETWORK_ERROR : CLOSE.VOLUNTARY);
  });
  if (env.idleTimeout > 0) tcp.setTimeout(env.idleTimeout, () => ended(CLOSE.TRANSFER_TIMEOUT));
  for (const payload of early.splice(0)) put(payload);
  offer(confirms);
}

// A UDP stream: one DATA packet, one datagram, to the one checked address, under udp.js's
// rules (the per-socket UDP sessions'): datagrams for a client that does not keep up are
// dropped, sends above HIGH hold the WebSocket, bytes are counted, --idle-timeout is 0x47.
function udpStream(env, ws, id, s, sock, slot, { live, ended }, reading, credit, early) {
  const forget = env.track(() => closeQuietly(sock));
  const out = sender(ws, sock, env, { reading, onIdle: () => ended(CLOSE.TRANSFER_TIMEOUT) });
  const frame = (msg) => dataPacket(id, msg);
  sock.on('error', () => {}); // ICMP errors: a datagram lost, not the stream
  sock.on('message', (msg) => live() && forward(ws, msg, env.stats, frame) && out.touch());
  s.write = (payload) => out.send(payload, undefined, undefined, () => ended(CLOSE.NETWORK_ERROR));
  s.stop = () => {
    out.stop();
    forget();
    closeQuietly(sock);
    slot.release();
  };
  // The client's datagrams before its CLOSE still go out (closing the socket would cancel them).
  s.finish = () => out.whenSent(s.stop);
  for (const payload of early.splice(0)) {
    credit.done(payload.length);
    s.write(payload);
  }
}
