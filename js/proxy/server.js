// kvsocket-proxy: TCP (and, for kvsocket's browser host, reverse tunnels and UDP) over WebSocket.
// Deny by default; a refused or unreachable target is refused at the HTTP upgrade, so the page
// never sees its WebSocket open (see docs/proxy-protocol.md).

import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { splitHostPort } from './allow.js';
import { admission } from './admit.js';
import { tcpRoute } from './connect.js';
import { refuseUpgrade } from './http.js';
import { DEFAULTS, clientLimits } from './limits.js';
import { reverseTunnels } from './listen.js';
import { Refusal, createPolicy } from './policy.js';
import { BadRequest, queryOf, routeOf, show } from './request.js';
import { safeLog } from './log.js';
import { createSlots } from './slots.js';
import { END_EXCHANGE, wantsEndExchange } from './tunnel.js';
import { udpBind, udpConnect } from './udp.js';
import { isWispRequest, wispEndpoint } from './wisp.js';

const defaultLog = (line) => process.stderr.write(`kvsocket-proxy: ${line}\n`);

// Options left undefined take the defaults.
const definedOnly = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** `127.0.0.1:8081`, `[::1]:0` or a bare port (on 127.0.0.1) -> {host, port}. */
export function parseListenAddress(value) {
  const text = String(value);
  const [host, portText] = /^\d+$/.test(text) ? ['127.0.0.1', text] : splitHostPort(text);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!net.isIP(host) && host !== 'localhost') throw new Error(`--listen ${text}: the host must be an IP address`);
  if (!(port >= 0 && port <= 65535)) throw new Error(`--listen ${text}: '${portText}' is not a port`);
  return { host, port };
}

/**
 * Starts a proxy. Options (docs/proxy-protocol.md; defaults in limits.js): listen
 * ('127.0.0.1:0'); allow and allowListen (rule strings, see allow.js); allowLoopback and
 * allowPrivate (open those address classes to wildcard rules); origins (exact Origin values or
 * '*'; empty = loopback pages and clients without Origin); tokens (empty = none required);
 * maxConnections, maxPerClient, clientPrefixV6, maxFrame, wispStreamBuffer, wispBuffer, maxPending,
 * connectTimeout, handshakeTimeout, idleTimeout, claimTimeout; lookup (name -> promise of [{address, family}], the system
 * resolver by default); log (a function taking one line). Resolves once listening.
 */
export async function startProxy(options = {}) {
  const o = { ...DEFAULTS, ...definedOnly(options) };
  if (!(Number.isInteger(o.clientPrefixV6) && o.clientPrefixV6 >= 1 && o.clientPrefixV6 <= 128)) {
    throw new Error(`clientPrefixV6 ${o.clientPrefixV6}: expected a prefix length of 1-128 bits`);
  }
  const { listen = '127.0.0.1:0', allow = [], allowListen = [] } = options;
  // Every line escaped, bounded, its tokens hidden and rate-limited (log.js).
  const log = safeLog(o.log ?? defaultLog);
  const where = parseListenAddress(listen);
  const stats = { active: 0, clients: 0, opened: 0, refused: 0, bytesFromClients: 0, bytesToClients: 0 };
  const live = new Set(); // how to tear down everything still open, for close()
  const track = (kill) => {
    live.add(kill);
    return () => live.delete(kill);
  };
  const policy = createPolicy({ allow, allowListen, allowLoopback: o.allowLoopback, allowPrivate: o.allowPrivate, lookup: o.lookup });
  const admit = admission({ origins: o.origins, tokens: o.tokens });
  const clients = clientLimits({
    max: o.maxConnections, perClient: o.maxPerClient, prefixV6: o.clientPrefixV6, handshakeTimeout: o.handshakeTimeout, stats, log,
  });
  const env = {
    /** For an error no route expected: logged, never thrown (an unhandled one ends the process). */
    internal: (err) => log(`internal error: ${err?.stack ?? err}`),
    policy,
    slots: createSlots(o.maxConnections, stats),
    clients,
    stats,
    log,
    track,
    connectTimeout: o.connectTimeout,
    claimTimeout: o.claimTimeout,
    idleTimeout: o.idleTimeout,
    handshakeTimeout: o.handshakeTimeout,
    maxPending: o.maxPending,
  };
  const reverse = reverseTunnels(env);
  // /wisp/: many streams over one WebSocket (wisp.js), each checked like a tunnel.
  const wispRoute = wispEndpoint(env, { maxFrame: o.maxFrame, streamBuffer: o.wispStreamBuffer, wsBuffer: o.wispBuffer });
  const routes = { tcp: tcpRoute, listen: reverse.listen, claim: reverse.claim, udp: udpConnect, 'udp-listen': udpBind };

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxFrame,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has('binary') ? 'binary' : false),
  });
  const server = http.createServer({ headersTimeout: o.handshakeTimeout, requestTimeout: o.handshakeTimeout }, (req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'close' });
    res.end('kvsocket-proxy speaks WebSocket: ws://HOST:PORT/?host=TARGET&port=PORT (see docs/proxy-protocol.md)\n');
  });

  server.on('connection', (sock) => clients.admit(sock));
  server.on('upgrade', (req, socket, head) => {
    clients.handshakeDone(socket); // the request is in; what follows has deadlines of its own
    socket.on('error', () => {}); // a client gone mid-handshake is not our error
    const ctx = upgradeContext(req, socket, head);
    handle(ctx).catch((err) => {
      log(`internal error on ${req.url}: ${err.stack ?? err}`);
      if (ctx.opened) socket.destroy();
      else ctx.refuse(500, 'Internal Server Error', String(err.message ?? err));
    }).catch(env.internal);
  });

  function upgradeContext(req, socket, head) {
    const from = show(socket.remoteAddress, socket.remotePort);
    const abort = new AbortController();
    const untrack = track(() => socket.destroy());
    // Nothing reads the socket until the upgrade completes, so a client that left would go
    // unnoticed while its target is looked up and dialled: it is read meanwhile. A client sends
    // nothing before the 101 (RFC 6455, 4.1); what one does send is kept for the WebSocket, up
    // to maxFrame, past which the connection is cut.
    const early = [];
    let earlyBytes = 0;
    const watch = (chunk) => {
      early.push(chunk);
      earlyBytes += chunk.length;
      if (earlyBytes > o.maxFrame) socket.destroy();
    };
    // The client's FIN before the 101 is its leaving (the HTTP server's sockets are half-open).
    const left = () => socket.destroy();
    socket.on('data', watch);
    socket.once('end', left);
    const ctx = {
      req,
      from,
      query: null,
      slot: null,
      opened: false,
      aborted: false,
      /** Aborted if the client goes away (or the handshake fails) before the WebSocket opens. */
      signal: abort.signal,
      /** Runs fn if the client goes away before the WebSocket opens (at once if it has gone). */
      onAbort: (fn) => (ctx.aborted ? fn() : abort.signal.addEventListener('abort', fn, { once: true })),
      refuse(status, reason, detail) {
        stats.refused += 1;
        log(`refused ${from} ${req.url}: ${status} ${detail}`);
        ctx.slot?.release();
        refuseUpgrade(socket, status, reason, detail);
      },
      /** refuse() with a Refusal: 403/401/400 with their phrases, 502/504 with the error code. */
      refuseWith(r) {
        ctx.refuse(r.status, r.status >= 500 ? r.code : undefined, r.message);
      },
      /**
       * Completes the upgrade and hands over the open WebSocket; false if the client has gone.
       * `server`: the WebSocketServer that answers (the Wisp endpoint has its own).
       */
      accept(onOpen, server = wss) {
        if (socket.destroyed || ctx.aborted) return false;
        // handleUpgrade hands the socket to the WebSocket at once (its reader replaces ours in
        // the same turn, so no chunk falls between them).
        socket.off('data', watch);
        socket.off('end', left);
        server.handleUpgrade(req, socket, early.length ? Buffer.concat([head, ...early]) : head, (ws) => {
          ctx.opened = true;
          // ?end=1: the tunnel (a connect or a claim) takes part in the end exchange.
          ws[END_EXCHANGE] = wantsEndExchange(ctx.query);
          untrack();
          stats.opened += 1;
          const forget = track(() => ws.terminate());
          ws.once('close', () => {
            forget();
            ctx.slot?.release();
          });
          onOpen(ws);
        });
        return true;
      },
    };
    // Also covers ws turning the handshake down itself, which it does by destroying the socket.
    socket.once('close', () => {
      if (ctx.opened) return;
      untrack();
      ctx.aborted = true;
      ctx.slot?.release();
      abort.abort();
    });
    return ctx;
  }

  async function handle(ctx) {
    try {
      ctx.query = queryOf(ctx.req.url);
      const wisp = isWispRequest(ctx.req);
      const refusal = admit.check(ctx.req, ctx.query, { anySubprotocol: wisp });
      if (refusal) return ctx.refuseWith(refusal);
      // Each Wisp stream takes a connection slot of its own; the WebSocket carrying them none.
      if (wisp) return wispRoute(ctx);
      const route = routeOf(ctx.query);
      if (route !== 'claim') {
        ctx.slot = env.slots.tryTake();
        if (!ctx.slot) return ctx.refuse(503, 'Service Unavailable', `too many connections (max ${o.maxConnections})`);
        // The client's place lasts as long as the slot: until a lookup made for it settles.
        const share = clients.handOver(ctx.req.socket);
        if (share) ctx.slot.keep(share);
      }
      await routes[route](ctx, env);
    } catch (err) {
      if (err instanceof Refusal) return ctx.refuseWith(err);
      if (!(err instanceof BadRequest)) throw err;
      ctx.refuse(400, 'Bad Request', err.message);
    }
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: where.host, port: where.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  const { address, port } = server.address();
  const shown = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;

  return {
    url: `ws://${show(shown, port)}/`,
    port,
    stats,
    /** What this proxy accepts, a line each (the CLI prints them at startup). */
    describe: () => [
      ...admit.describe(),
      ...policy.describe(),
      `limits: ${o.maxConnections} connections, ${o.maxPerClient} per client (an IPv4 address, an IPv6 /${o.clientPrefixV6}), messages up to ${o.maxFrame} bytes, ` +
        `idle timeout ${o.idleTimeout ? `${o.idleTimeout / 1000} s` : 'none'}`,
    ],
    /** Closes the listener and everything still open through it. */
    async close() {
      log.flush();
      for (const kill of [...live]) kill();
      wss.close();
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
