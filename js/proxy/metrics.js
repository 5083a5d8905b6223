// What an operator sees inside kvsocket-proxy: Prometheus metrics through prom-client, loaded
// only when metrics are served (startProxy's `metrics` option), so that a proxy without them
// (and every page, which never loads js/proxy) does without the package. Names are under
// kvsocket_proxy_, in base units (seconds, bytes), counters end in _total, and no label names
// a client or a target (their number is unbounded; the logs name them). docs/deployment.md
// lists every metric.

/** The kinds of stream a connection slot is held for (the `kind` label). */
export const KINDS = ['tcp', 'udp', 'listen', 'wisp'];
/** How an attempt to open a stream ended (the `result` label). */
export const RESULTS = ['ok', 'refused_by_rule', 'refused_by_target', 'timeout', 'abandoned'];
/** The caps that turn something away (the `cap` label). */
export const CAPS = ['max_connections', 'max_per_client', 'max_pending', 'max_frame', 'handshake_timeout'];

/** The `result` of a dial or UDP connect: null (it worked) or its error, a Refusal mostly. */
export function resultOf(err) {
  if (!err) return 'ok';
  if (err.code === 'ECANCELED') return 'abandoned';
  if (err.status === 504 || err.code === 'ETIMEDOUT') return 'timeout';
  if (err.status === 403 || err.status === 400) return 'refused_by_rule';
  return 'refused_by_target';
}

const noop = () => {};

/** What every hook is when metrics are off: nothing. */
export const NO_METRICS = Object.freeze({
  enabled: false,
  websocket: noop,
  target: noop,
  stream: () => noop,
  opened: noop,
  capHit: noop,
});

// Connect times on loopback are well under a millisecond; across the Internet tens to hundreds.
const CONNECT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The metrics of one proxy (one process; a cluster's primary adds its workers' up, see
 * workers.js). `stats` is the proxy's live counters (bytes are read from there at each
 * scrape). The hooks the routes call: websocket(ws) when one opens, target(sock) for a dialled
 * or accepted TCP connection joined to a tunnel (its queued bytes), stream(kind) -> done() for
 * a connection slot, opened(kind, err, seconds) after each dial, capHit(cap).
 */
export async function createMetrics(stats) {
  const { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  const registers = [registry];
  const websockets = new Set();
  const targets = new Set();
  collectDefaultMetrics({ register: registry, prefix: 'kvsocket_proxy_' });

  new Gauge({
    name: 'kvsocket_proxy_websockets_open',
    help: 'WebSockets open now (per-socket sessions and Wisp connections)',
    registers,
    collect() {
      this.set(websockets.size);
    },
  });
  const streams = new Gauge({
    name: 'kvsocket_proxy_streams_open',
    help: 'Connection slots held now, by kind: TCP tunnels (and incoming connections waiting for a claim), UDP sessions, listeners, Wisp streams; connecting ones included',
    labelNames: ['kind'],
    registers,
  });
  const opened = new Counter({
    name: 'kvsocket_proxy_streams_opened_total',
    help: 'Attempts to open a TCP tunnel, UDP session or Wisp stream to a target, by kind and result',
    labelNames: ['kind', 'result'],
    registers,
  });
  const connect = new Histogram({
    name: 'kvsocket_proxy_connect_duration_seconds',
    help: 'Time from a request for a target to the connection (lookup and dial), for those that connected',
    labelNames: ['kind'],
    buckets: CONNECT_BUCKETS,
    registers,
  });
  const caps = new Counter({
    name: 'kvsocket_proxy_caps_hit_total',
    help: 'Things turned away or closed by a cap, by cap',
    labelNames: ['cap'],
    registers,
  });
  // Counted by the routes in `stats`; a counter only goes up, so each scrape adds what is new.
  const seen = { from: 0, to: 0 };
  new Counter({
    name: 'kvsocket_proxy_bytes_total',
    help: 'Payload bytes carried, by direction: from_client (towards targets), to_client',
    labelNames: ['direction'],
    registers,
    collect() {
      this.inc({ direction: 'from_client' }, stats.bytesFromClients - seen.from);
      this.inc({ direction: 'to_client' }, stats.bytesToClients - seen.to);
      seen.from = stats.bytesFromClients;
      seen.to = stats.bytesToClients;
    },
  });
  new Gauge({
    name: 'kvsocket_proxy_queued_bytes',
    help: 'Bytes the proxy holds that are not yet handed to the system, by direction: to_client (WebSocket buffers), to_target (tunnels\' TCP buffers)',
    labelNames: ['direction'],
    registers,
    collect() {
      let toClient = 0;
      let toTarget = stats.wispQueued ?? 0; // Wisp streams' bytes held for targets (wisp-credit.js)
      for (const ws of websockets) toClient += ws.bufferedAmount;
      for (const sock of targets) toTarget += sock.writableLength;
      this.set({ direction: 'to_client' }, toClient);
      this.set({ direction: 'to_target' }, toTarget);
    },
  });
  // Every series present from the start at 0, so that rate() and alerts see them before traffic.
  for (const kind of KINDS) {
    streams.set({ kind }, 0);
    for (const result of RESULTS) opened.inc({ kind, result }, 0);
  }
  for (const cap of CAPS) caps.inc({ cap }, 0);

  return {
    enabled: true,
    registry,
    websocket(ws) {
      websockets.add(ws);
      ws.once('close', () => websockets.delete(ws));
      // ws closes with 1009 after this error; the close event has the peer's code, if any.
      ws.on('error', (err) => err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && caps.inc({ cap: 'max_frame' }));
    },
    target(sock) {
      targets.add(sock);
      sock.once('close', () => targets.delete(sock));
    },
    stream(kind) {
      streams.inc({ kind });
      return () => streams.dec({ kind });
    },
    opened(kind, err, seconds) {
      opened.inc({ kind, result: resultOf(err) });
      if (!err) connect.observe({ kind }, seconds);
    },
    capHit(cap) {
      caps.inc({ cap });
    },
  };
}

/**
 * The listener of --metrics HOST:PORT, apart from the public one: GET /metrics (the text of
 * `scrape()`, a promise) and /healthz (200 ok, 503 draining while `draining()`); 404 for the
 * rest. Resolves with the http.Server once listening.
 */
export async function serveMetrics({ host, port }, { scrape, contentType, draining = () => false }) {
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    const reply = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'text/plain; charset=utf-8', 'GET only\n');
    if (path === '/healthz') return draining() ? reply(503, 'text/plain; charset=utf-8', 'draining\n') : reply(200, 'text/plain; charset=utf-8', 'ok\n');
    if (path !== '/metrics') return reply(404, 'text/plain; charset=utf-8', 'here: /metrics and /healthz\n');
    scrape().then(
      (text) => reply(200, contentType, text),
      (err) => reply(500, 'text/plain; charset=utf-8', `metrics failed: ${err.message}\n`),
    );
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
