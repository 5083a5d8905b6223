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
import { plainIp, realClient, trustCheck } from './forwarded.js';
import { NO_METRICS, createMetrics } from './metrics.js';
import { drainer } from './drain.js';

// A listener of its own: an arrow written inside the upgrade handler would share its scope and
// keep the request (and its whole context) alive for as long as the socket lives.
const ignore = () => {};

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
 * maxConnections, maxPerClient, clientPrefixV6, maxFrame, wispStreamBuffer, wispBuffer, maxPending, connectTimeout, handshakeTimeout,
 * idleTimeout, claimTimeout; lookup (name -> promise of [{address, family}], the system
 * resolver by default); log (a function taking one line, and its level: error, warn, info);
 * trustProxy (addresses whose X-Forwarded-For / Forwarded name the client, forwarded.js);
 * metrics (true: count for /metrics, metrics.js) and publicMetrics (also answer /metrics on
 * this listener). Resolves once listening.
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
  const metrics = o.metrics || o.publicMetrics ? await createMetrics(stats) : NO_METRICS;
  if (metrics.registry) o.worker?.setRegistry(metrics.registry);
  // /metrics on the public listener: a worker's answer is its primary's, every worker's added up.
  const scrape = o.worker ? o.worker.scrape : () => metrics.registry.metrics();
  const trusted = trustCheck(o.trustProxy ?? []);
  const policy = createPolicy({ allow, allowListen, allowLoopback: o.allowLoopback, allowPrivate: o.allowPrivate, lookup: o.lookup });
  const admit = admission({ origins: o.origins, tokens: o.tokens });
  // A worker's client connections are counted by its primary (workers.js), across workers.
  const local = clientLimits({
    max: o.maxConnections, perClient: o.maxPerClient, prefixV6: o.clientPrefixV6, handshakeTimeout: o.handshakeTimeout, stats, log, metrics, trusted,
  });
  const clients = o.worker ? o.worker.limits(local, metrics) : local;
  const env = {
    /** For an error no route expected: logged, never thrown (an unhandled one ends the process). */
    internal: (err) => log(`internal error: ${err?.stack ?? err}`),
    policy,
    slots: createSlots(o.maxConnections, stats, metrics),
    clients,
    stats,
    metrics,
    log,
    track,
    connectTimeout: o.connectTimeout,
    claimTimeout: o.claimTimeout,
    idleTimeout: o.idleTimeout,
    handshakeTimeout: o.handshakeTimeout,
    maxPending: o.maxPending,
    // Claim ids start with the instance (--instance) and worker holding the listener (workers.js).
    claimPrefix: o.worker?.claimPrefix ?? (o.instance ? `${o.instance}.` : ''),
  };
  const reverse = reverseTunnels(env);
  // /wisp/: many streams over one WebSocket (wisp.js), each checked like a tunnel.
  // Its streams are counted as kind 'wisp' (metrics.js), whether TCP or UDP.
  const wispEnv = { ...env, kind: 'wisp', slots: { tryTake: () => env.slots.tryTake('wisp') } };
  const wispRoute = wispEndpoint(wispEnv, { maxFrame: o.maxFrame, streamBuffer: o.wispStreamBuffer, wsBuffer: o.wispBuffer });
  const routes = { tcp: tcpRoute, listen: reverse.listen, claim: reverse.claim, udp: udpConnect, 'udp-listen': udpBind };
  const kindOf = { tcp: 'tcp', listen: 'listen', udp: 'udp', 'udp-listen': 'udp' };
  const websockets = new Set(); // open now, to close them with 'shutdown' when a drain runs out

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxFrame,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has('binary') ? 'binary' : false),
  });
  const server = http.createServer({ headersTimeout: o.handshakeTimeout, requestTimeout: o.handshakeTimeout }, (req, res) => {
    // /healthz for load balancers; /metrics only when asked for on this listener.
    if (answerPlain(req, res, { scrape: o.publicMetrics ? scrape : null, contentType: metrics.registry?.contentType, draining: () => drain.draining })) return;
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'close' });
    res.end('kvsocket-proxy speaks WebSocket: ws://HOST:PORT/?host=TARGET&port=PORT (see docs/proxy-protocol.md)\n');
  });

  // Every client connection open now, WebSockets included: a drain waits for them (drain.js).
  const connections = new Set();
  server.on('connection', (sock) => {
    connections.add(sock);
    sock.once('close', () => connections.delete(sock));
    clients.admit(sock);
  });
  server.on('upgrade', (req, socket, head) => {
    clients.handshakeDone(socket); // the request is in; what follows has deadlines of its own
    socket.on('error', ignore); // a client gone mid-handshake is not our error
    const ctx = upgradeContext(req, socket, head);
    handle(ctx).catch((err) => {
      log(`internal error on ${req.url}: ${err.stack ?? err}`, 'error');
      if (ctx.opened) socket.destroy();
      else ctx.refuse(500, 'Internal Server Error', String(err.message ?? err));
    }).catch(env.internal);
  });

  /**
   * What an open session keeps: its slot until it closes, and its place in what close() and a
   * drain reach. Defined apart from upgradeContext: a closure made in there would keep the
   * handshake (the request, its query, the context) alive for the session's life, which was
   * the biggest part of an idle tunnel's memory.
   */
  function sessionOpened(ws, slot) {
    stats.opened += 1;
    const forget = track(() => ws.terminate());
    websockets.add(ws);
    metrics.websocket(ws);
    ws.once('close', () => {
      websockets.delete(ws);
      forget();
      slot?.release();
    });
  }

  function upgradeContext(req, socket, head) {
    // Behind a trusted load balancer the client is the one its headers name (forwarded.js).
    const client = realClient(req.headers, socket.remoteAddress, trusted);
    const from = client === plainIp(socket.remoteAddress) ? show(socket.remoteAddress, socket.remotePort) : client;
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
      client,
      socket,
      /**
       * Lets go of the socket before the upgrade, for another worker to take it (workers.js):
       * what the client sent after its request, for that worker to read first.
       */
      release() {
        socket.off('data', watch);
        socket.off('end', left);
        untrack();
        ctx.aborted = true;
        return early.length ? Buffer.concat([head, ...early]) : head;
      },
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
          socket.off('close', beforeOpen);
          sessionOpened(ws, ctx.slot);
          onOpen(ws);
        });
        return true;
      },
    };
    // Also covers ws turning the handshake down itself, which it does by destroying the socket.
    const beforeOpen = () => {
      if (ctx.opened) return;
      untrack();
      ctx.aborted = true;
      ctx.slot?.release();
      abort.abort();
    };
    socket.once('close', beforeOpen);
    return ctx;
  }

  async function handle(ctx) {
    try {
      // A trusted load balancer's connection is counted against the client its request names.
      const tooMany = await clients.identify(ctx.socket, ctx.client);
      if (tooMany) return ctx.refuse(503, 'Service Unavailable', tooMany);
      ctx.query = queryOf(ctx.req.url);
      const wisp = isWispRequest(ctx.req);
      const refusal = admit.check(ctx.req, ctx.query, { anySubprotocol: wisp });
      if (refusal) return ctx.refuseWith(refusal);
      // Each Wisp stream takes a connection slot of its own; the WebSocket carrying them none.
      if (wisp) return wispRoute(ctx);
      const route = routeOf(ctx.query);
      // A claim for a listener another worker holds goes there.
      if (route === 'claim' && o.worker?.handOver(ctx)) return;
      if (route !== 'claim') {
        ctx.slot = env.slots.tryTake(kindOf[route]);
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

  // A worker gets its connections from its primary, which listens (workers.js).
  if (o.worker) o.worker.attach(server);
  else {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: where.host, port: where.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
  server.on('error', (err) => log(`server error: ${err.message}`, 'error'));
  const drain = drainer({ server, websockets, connections, close: () => proxy.close(), log });
  const { address, port } = o.worker?.address ?? server.address();
  const shown = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;

  const proxy = {
    url: `ws://${show(shown, port)}/`,
    port,
    stats,
    /** The metrics registry (prom-client) when metrics are on, else null. */
    metrics: metrics.registry ?? null,
    /** What this proxy accepts, a line each (the CLI prints them at startup). */
    describe: () => [
      ...admit.describe(),
      ...policy.describe(),
      `limits: ${o.worker ? `${o.worker.maxConnections} connections (sessions: ${o.maxConnections} a worker)` : `${o.maxConnections} connections`}, ` +
        `${o.maxPerClient} per client (an IPv4 address, an IPv6 /${o.clientPrefixV6}), messages up to ${o.maxFrame} bytes, ` +
        `idle timeout ${o.idleTimeout ? `${o.idleTimeout / 1000} s` : 'none'}`,
    ],
    /** Closes the listener and everything still open through it. */
    async close() {
      log.flush();
      for (const kill of [...live]) kill();
      wss.close();
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const sock of connections) sock.destroy(); // a worker's, which its server does not count
      if (!o.worker) await closed;
    },
    /**
     * A graceful stop (drain.js): accept nothing more, let what is open run for up to
     * `timeout` ms, then close each WebSocket still open with 1001 'shutdown'. Resolves once
     * everything is closed.
     */
    drain: (timeout) => drain.start(timeout),
    /** True once a drain has started (/healthz answers 503). */
    get draining() {
      return drain.draining;
    },
  };
  return proxy;
}

/**
 * Answers a plain HTTP request for /healthz (200 ok, or 503 draining) or, with `scrape` (a
 * function giving a promise of the metrics text), /metrics; false for anything else.
 */
function answerPlain(req, res, { scrape = null, contentType, draining = () => false } = {}) {
  const path = req.url.split('?')[0];
  if (path === '/healthz') {
    const ok = !draining();
    res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(ok ? 'ok\n' : 'draining\n');
    return true;
  }
  if (path === '/metrics' && scrape) {
    scrape().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': contentType });
        res.end(text);
      },
      (err) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`metrics failed: ${err.message}\n`);
      },
    );
    return true;
  }
  return false;
}
