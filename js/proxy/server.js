// kvsocket-proxy: TCP (and, for kvsocket's browser host, reverse tunnels and UDP) over WebSocket.
// Deny by default; a refused or unreachable target is refused at the HTTP upgrade, so the page
// never sees its WebSocket open (see docs/proxy-protocol.md).

import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { findRule, parseListenRule, parseTargetRule, splitHostPort } from './allow.js';
import { refuseUpgrade } from './http.js';
import { BadRequest, queryOf, routeOf, show, targetOf } from './request.js';
import { createSlots } from './slots.js';
import { END_EXCHANGE, bridge, connectTcp, wantsEndExchange } from './tunnel.js';
import { reverseTunnels } from './listen.js';
import { udpBind, udpConnect } from './udp.js';

const defaultLog = (line) => process.stderr.write(`kvsocket-proxy: ${line}\n`);

/** `127.0.0.1:8081`, `[::1]:0` or a bare port (on 127.0.0.1) -> {host, port}. */
export function parseListenAddress(value) {
  const text = String(value);
  const [host, portText] = /^\d+$/.test(text) ? ['127.0.0.1', text] : splitHostPort(text);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!net.isIP(host) && host !== 'localhost') throw new Error(`--listen ${text}: the host must be an IP address`);
  if (!(port >= 0 && port <= 65535)) throw new Error(`--listen ${text}: '${portText}' is not a port`);
  return { host, port };
}

// ws would also refuse these, but only after we had connected to the target on the client's behalf.
function handshakeProblem(req) {
  if (req.method !== 'GET') return `a WebSocket handshake is a GET, not ${req.method}`;
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'not a WebSocket upgrade';
  if (!/^[+/0-9A-Za-z]{22}==$/.test(req.headers['sec-websocket-key'] ?? '')) return 'missing or bad Sec-WebSocket-Key';
  if (!['8', '13'].includes(req.headers['sec-websocket-version'])) return 'Sec-WebSocket-Version must be 13';
  const offered = req.headers['sec-websocket-protocol'];
  if (offered === undefined) return null;
  const names = offered.split(',').map((p) => p.trim());
  if (!names.every((p) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p))) return `malformed Sec-WebSocket-Protocol '${offered}'`;
  if (!names.includes('binary')) return `subprotocol '${offered}' offered: this proxy speaks 'binary' (or none)`;
  return null;
}

function originAllowed(origins, origin) {
  return origins.length === 0 || origins.includes('*') || (origin !== undefined && origins.includes(origin));
}

/**
 * Starts a proxy. Options: listen ('127.0.0.1:0'), allow and allowListen (rule strings, see
 * allow.js), origins (exact Origin values or '*'; empty = any), maxConnections (0 = no cap),
 * maxFrame (largest WebSocket message accepted, bytes), connectTimeout and claimTimeout (ms),
 * log (a function taking one line). Resolves once listening.
 */
export async function startProxy({
  listen = '127.0.0.1:0',
  allow = [],
  allowListen = [],
  origins = [],
  maxConnections = 0,
  maxFrame = 64 << 20,
  connectTimeout = 10_000,
  claimTimeout = 10_000,
  log = defaultLog,
} = {}) {
  const where = parseListenAddress(listen);
  const stats = { active: 0, opened: 0, refused: 0, bytesFromClients: 0, bytesToClients: 0 };
  const live = new Set(); // how to tear down everything still open, for close()
  const track = (kill) => {
    live.add(kill);
    return () => live.delete(kill);
  };
  const env = {
    allowRules: allow.map(parseTargetRule),
    listenRules: allowListen.map(parseListenRule),
    slots: createSlots(maxConnections, stats),
    stats,
    log,
    track,
    connectTimeout,
    claimTimeout,
  };
  const reverse = reverseTunnels(env);
  const routes = { tcp: tcpRoute, listen: reverse.listen, claim: reverse.claim, udp: udpConnect, 'udp-listen': udpBind };

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrame,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has('binary') ? 'binary' : false),
  });
  const server = http.createServer((req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
    res.end('kvsocket-proxy speaks WebSocket: ws://HOST:PORT/?host=TARGET&port=PORT (see docs/proxy-protocol.md)\n');
  });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {}); // a client gone mid-handshake is not our error
    const ctx = upgradeContext(req, socket, head);
    handle(ctx).catch((err) => {
      log(`internal error on ${req.url}: ${err.stack ?? err}`);
      if (ctx.opened) socket.destroy();
      else ctx.refuse(500, 'Internal Server Error', String(err.message ?? err));
    });
  });

  function upgradeContext(req, socket, head) {
    const from = show(socket.remoteAddress, socket.remotePort);
    const aborts = [];
    const untrack = track(() => socket.destroy());
    const ctx = {
      req,
      from,
      query: null,
      slot: null,
      opened: false,
      aborted: false,
      /** Runs fn if the client goes away (or the handshake fails) before the WebSocket opens. */
      onAbort: (fn) => aborts.push(fn),
      refuse(status, reason, detail) {
        stats.refused += 1;
        log(`refused ${from} ${req.url}: ${status} ${detail}`);
        ctx.slot?.release();
        refuseUpgrade(socket, status, reason, detail);
      },
      /** Completes the upgrade and hands over the open WebSocket; false if the client has gone. */
      accept(onOpen) {
        if (socket.destroyed || ctx.aborted) return false;
        wss.handleUpgrade(req, socket, head, (ws) => {
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
      for (const fn of aborts.splice(0)) fn();
    });
    return ctx;
  }

  async function handle(ctx) {
    const problem = handshakeProblem(ctx.req);
    if (problem) return ctx.refuse(400, 'Bad Request', problem);
    const origin = ctx.req.headers.origin;
    if (!originAllowed(origins, origin)) return ctx.refuse(403, 'Forbidden', `origin denied: ${origin ?? '(none)'}`);
    try {
      ctx.query = queryOf(ctx.req.url);
      const route = routeOf(ctx.query);
      if (route !== 'claim') {
        if (env.slots.full()) return ctx.refuse(503, 'Service Unavailable', `too many connections (max ${maxConnections})`);
        ctx.slot = env.slots.take();
      }
      await routes[route](ctx, env);
    } catch (err) {
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
    /** Closes the listener and everything still open through it. */
    async close() {
      for (const kill of [...live]) kill();
      wss.close();
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** ?host=&port=: a TCP connection to an allowed target, opened before the upgrade is answered. */
async function tcpRoute(ctx, { allowRules, connectTimeout, stats, track }) {
  const { host, port } = targetOf(ctx.query);
  const target = show(host, port);
  if (!findRule(allowRules, host, port)) return ctx.refuse(403, 'Forbidden', `target denied: ${target}`);
  const { tcp, ready } = connectTcp(host, port, connectTimeout);
  tcp.once('close', track(() => tcp.destroy()));
  ctx.onAbort(() => tcp.destroy());
  try {
    await ready;
  } catch (err) {
    if (ctx.aborted) return;
    const status = err.code === 'ETIMEDOUT' ? 504 : 502;
    return ctx.refuse(status, err.code ?? 'ECONNFAILED', `connect to ${target} failed: ${err.message}`);
  }
  if (!ctx.accept((ws) => bridge(ws, tcp, { counters: stats }))) tcp.destroy();
}
