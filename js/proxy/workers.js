// Every core of one machine (--workers N, node:cluster). The primary owns the public listener:
// it accepts each client connection without reading from it (pauseOnConnect), applies
// --max-connections and --max-per-client across all workers (one count, in one place), and
// hands the socket to the worker with the fewest connections (least connections). Each worker
// runs the whole proxy (server.js) from the same command line, so the policy is the same
// everywhere, on the connections it is given.
//
// What must meet in one worker: a reverse tunnel's incoming connection waits in the worker
// whose listener accepted it, and the page's claim may land on any worker. Claim ids start
// with the worker that holds the listener (`w3.…`, after the --instance name if any,
// `a.w3.…`); a worker given a claim for another hands the claim's socket, still before its
// 101 (a client sends nothing before it), back to the primary, which passes it to that
// worker, where the upgrade runs as if it had arrived there. Incoming connections never move
// (they may already have sent bytes, which a handle in passing could lose).
//
// Messages between primary and workers are objects with a `kvsocket` field naming them.

import cluster from 'node:cluster';
import net from 'node:net';
import { httpResponse } from './http.js';
import { DEFAULTS, clientKey } from './limits.js';
import { trustCheck, plainIp } from './forwarded.js';
import { serveMetrics } from './metrics.js';
import { show } from './request.js';
import { parseListenAddress } from './server.js';

const CONN = Symbol('kvsocket-proxy connection id');
const HANDED = Symbol('kvsocket-proxy handed to another worker');

/** Stops the system reading a socket into this process (it is about to be passed on). */
const stopReading = (sock) => {
  if (sock._handle?.reading !== false) sock._handle?.readStop?.();
  if (sock._handle) sock._handle.reading = false;
};

/** The worker a claim id names (`w3.…`, after the instance prefix), or null. */
export function claimWorker(id, instancePrefix = '') {
  if (typeof id !== 'string' || !id.startsWith(instancePrefix)) return null;
  const m = /^w(\d{1,4})\./.exec(id.slice(instancePrefix.length));
  return m ? Number(m[1]) : null;
}

/** The worker's index (1..N) when this process is a worker started by runPrimary, else null. */
export const workerIndex = () => (cluster.isWorker && process.env.KVSOCKET_PROXY_WORKER ? Number(process.env.KVSOCKET_PROXY_WORKER) : null);

/** The prefix of the claim ids an instance (--instance NAME, or none) gives out. */
export const instancePrefix = (instance) => (instance ? `${instance}.` : '');

// ---------------------------------------------------------------- primary

/**
 * Runs the primary: listens on options.listen, starts `workers` workers (each re-runs the CLI
 * with the same arguments) and keeps one alive in each place until a drain. `log` is the CLI's.
 * Resolves with {url, port, metricsUrl, drain(timeout), close()} once every worker is ready.
 */
export async function runPrimary(options, workers, log) {
  const where = parseListenAddress(options.listen);
  const trusted = trustCheck(options.trustProxy ?? []);
  const max = options.maxConnections ?? DEFAULTS.maxConnections;
  const perClient = options.maxPerClient ?? DEFAULTS.maxPerClient;
  const slots = new Map(); // worker index -> { index, worker, ready, conns: Set<connection id> }
  const conns = new Map(); // connection id -> { index: its worker, clients: [the addresses it counts for] }
  const byClient = new Map(); // client key -> connections open from it, across workers
  let nextConn = 1;
  let draining = false;
  let drainTimeout = 0;
  let describe = null;

  // Clients as limits.js keys them (an IPv6 client is its /64 by default).
  const keyOf = (address) => clientKey(address, options.clientPrefixV6 ?? DEFAULTS.clientPrefixV6);
  const countClient = (address) => {
    const key = keyOf(address);
    const mine = byClient.get(key) ?? 0;
    if (perClient > 0 && mine >= perClient) return `too many connections from ${key} (max ${perClient})`;
    byClient.set(key, mine + 1);
    return null;
  };
  const uncountClient = (address) => {
    const key = keyOf(address);
    const left = (byClient.get(key) ?? 1) - 1;
    if (left > 0) byClient.set(key, left);
    else byClient.delete(key);
  };
  const forget = (id) => {
    const c = conns.get(id);
    if (!c) return;
    conns.delete(id);
    slots.get(c.index)?.conns.delete(id);
    for (const a of c.clients) uncountClient(a);
  };
  // The caps the primary applies, counted in its own registry and added to the workers' at a scrape.
  let primaryRegistry = null;
  let capsHit = null;
  if (options.metrics || options.publicMetrics) {
    const { Registry, Counter } = await import('prom-client');
    primaryRegistry = new Registry();
    capsHit = new Counter({ name: 'kvsocket_proxy_caps_hit_total', help: 'Things turned away or closed by a cap, by cap', labelNames: ['cap'], registers: [primaryRegistry] });
  }
  const turnAway = (sock, why, cap) => {
    if (cap) capsHit?.inc({ cap });
    log(`turned away a client: ${why}`, 'warn');
    sock.on('error', () => {});
    sock.resume(); // its request is read and dropped, so that closing does not reset the answer
    sock.end(httpResponse(503, 'Service Unavailable', why));
    setTimeout(() => sock.destroy(), 1000).unref();
  };
  // The ready worker with the fewest connections.
  const leastBusy = () => {
    let best = null;
    for (const slot of slots.values()) {
      if (slot.ready && slot.worker.isConnected() && (!best || slot.conns.size < best.conns.size)) best = slot;
    }
    return best;
  };

  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (sock) => {
    sock.on('error', () => {});
    if (draining) return sock.destroy();
    const peer = plainIp(sock.remoteAddress ?? '?');
    if (max > 0 && conns.size >= max) return turnAway(sock, `too many connections (max ${max})`, 'max_connections');
    // A trusted load balancer's connections are counted by the client they name (identify).
    const why = trusted(peer) ? null : countClient(peer);
    if (why) return turnAway(sock, why, 'max_per_client');
    const slot = leastBusy();
    if (!slot) {
      if (!trusted(peer)) uncountClient(peer);
      return turnAway(sock, 'no worker is ready');
    }
    const id = nextConn++;
    conns.set(id, { index: slot.index, clients: trusted(peer) ? [] : [peer] });
    slot.conns.add(id);
    slot.worker.send({ kvsocket: 'connection', id }, sock, { keepOpen: false }, (err) => {
      if (err) {
        forget(id);
        sock.destroy();
      }
    });
  });

  function onMessage(index, msg, handle) {
    if (!msg || typeof msg.kvsocket !== 'string') return;
    const slot = slots.get(index);
    switch (msg.kvsocket) {
      case 'ready':
        slot.ready = true;
        describe ??= msg.describe;
        return;
      case 'closed':
        return forget(msg.id);
      case 'identify': {
        const c = conns.get(msg.id);
        // A claim handed to another worker is identified there again: counted once.
        if (c?.clients.includes(msg.client)) return slot.worker.send({ kvsocket: 'identified', id: msg.id, why: null });
        const why = c ? countClient(msg.client) : null;
        if (c && !why) c.clients.push(msg.client);
        return slot.worker.send({ kvsocket: 'identified', id: msg.id, why });
      }
      case 'claim': {
        // A claim for a listener in worker msg.to: the socket moves there with the request.
        const to = slots.get(msg.to);
        const c = conns.get(msg.id);
        if (!handle) return;
        // A received socket starts reading at once, and what this process read would be lost
        // when the socket moves on: the client's first bytes after the 101 could land here.
        stopReading(handle);
        if (!to?.ready || !to.worker.isConnected() || !c) {
          handle.on('error', () => {});
          handle.end(httpResponse(404, 'Not Found', `nothing to claim as '${msg.req.url.slice(0, 200)}': its worker is gone`));
          forget(msg.id);
          return;
        }
        slot.conns.delete(msg.id);
        to.conns.add(msg.id);
        c.index = msg.to;
        to.worker.send({ ...msg, kvsocket: 'claimed' }, handle, { keepOpen: false }, (err) => {
          if (err) {
            forget(msg.id);
            handle.destroy();
          }
        });
        return;
      }
      case 'metrics-json':
        return pendingScrapes.get(msg.request)?.(index, msg.json);
      case 'scrape':
        // A worker asked for the whole picture (for /metrics on the public listener).
        return scrapeAll().then(
          (text) => slot.worker.send({ kvsocket: 'scraped', request: msg.request, text }),
          (err) => slot.worker.send({ kvsocket: 'scraped', request: msg.request, error: err.message }),
        );
      default:
    }
  }

  function fork(index) {
    const worker = cluster.fork({ KVSOCKET_PROXY_WORKER: String(index), KVSOCKET_PROXY_WORKERS: String(workers), KVSOCKET_PROXY_ADDRESS: JSON.stringify(address) });
    const slot = { index, worker, ready: false, conns: new Set() };
    slots.set(index, slot);
    worker.on('message', (msg, handle) => onMessage(index, msg, handle));
    worker.on('exit', (code, signal) => {
      // Its connections are gone with it: they stop counting.
      for (const id of [...slot.conns]) forget(id);
      if (slots.get(index) !== slot) return;
      if (draining) {
        slots.delete(index);
        if (slots.size === 0) allExited();
        return;
      }
      // At startup, one that never came up will not the next time either (its options are
      // ours): the start fails. A replacement that did not come up is tried again a second later.
      if (!slot.ready && startFailed) return startFailed(new Error(`worker ${index} exited (${signal ?? code}) before it was ready`));
      log(`worker ${index} exited (${signal ?? code}); starting another`, 'error');
      if (slot.ready) fork(index);
      else setTimeout(() => !draining && fork(index), 1000);
    });
    return slot;
  }

  // Metrics: each worker's registry as JSON, added up (prom-client's AggregatorRegistry).
  const pendingScrapes = new Map();
  let nextScrape = 1;
  async function scrapeAll() {
    const { AggregatorRegistry } = await import('prom-client');
    const request = nextScrape++;
    const alive = [...slots.values()].filter((s) => s.ready && s.worker.isConnected());
    const parts = await new Promise((resolve) => {
      const got = new Map();
      const timer = setTimeout(() => {
        pendingScrapes.delete(request);
        resolve([...got.values()]);
      }, 2000);
      pendingScrapes.set(request, (index, json) => {
        got.set(index, json);
        if (got.size === alive.length) {
          clearTimeout(timer);
          pendingScrapes.delete(request);
          resolve([...got.values()]);
        }
      });
      for (const s of alive) s.worker.send({ kvsocket: 'metrics', request });
      if (alive.length === 0) {
        clearTimeout(timer);
        resolve([]);
      }
    });
    if (primaryRegistry) parts.push(await primaryRegistry.getMetricsAsJSON());
    return AggregatorRegistry.aggregate(parts).metrics();
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: where.host, port: where.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  let startFailed = null;
  for (let i = 1; i <= workers; i += 1) fork(i);
  await new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if ([...slots.values()].every((s) => s.ready)) {
        clearInterval(check);
        startFailed = null;
        resolve();
      }
    }, 10);
    startFailed = (err) => {
      clearInterval(check);
      startFailed = null;
      draining = true; // nothing is started again
      server.close();
      for (const s of slots.values()) s.worker.process.kill('SIGKILL');
      reject(err);
    };
    setTimeout(() => startFailed?.(new Error('the workers did not start in 30 s')), 30_000).unref();
  });

  let metricsServer = null;
  if (options.metricsListen) {
    metricsServer = await serveMetrics(parseListenAddress(options.metricsListen), {
      scrape: scrapeAll,
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      draining: () => draining,
    });
  }
  let allExited = () => {};
  const shown = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const m = metricsServer?.address();
  return {
    url: `ws://${show(shown, address.port)}/`,
    port: address.port,
    metricsUrl: m ? `http://${show(m.address, m.port)}/metrics` : null,
    describe: () => describe ?? [],
    /** Stops accepting, has every worker drain (drain.js) and resolves once all have exited. */
    drain(timeout) {
      draining = true;
      drainTimeout = timeout;
      server.close();
      return new Promise((resolve) => {
        allExited = () => {
          metricsServer?.close();
          resolve();
        };
        if (slots.size === 0) return allExited();
        for (const s of slots.values()) s.worker.send({ kvsocket: 'drain', timeout: drainTimeout });
      });
    },
    /** Stops at once: every worker is killed. */
    close() {
      draining = true;
      server.close();
      metricsServer?.close();
      for (const s of slots.values()) s.worker.process.kill('SIGKILL');
    },
  };
}

// ---------------------------------------------------------------- worker

/**
 * The `worker` option of startProxy in a worker (`options`: the CLI's): connections come from
 * the primary; client counts go to it; claims for other workers go back through it; metrics
 * are sent to it.
 */
export function workerHooks(options) {
  const index = workerIndex();
  const trusted = trustCheck(options.trustProxy ?? []);
  const prefix = instancePrefix(options.instance);
  const address = JSON.parse(process.env.KVSOCKET_PROXY_ADDRESS);
  const identifying = new Map(); // connection id -> resolve
  let server = null;
  let registry = null;
  const scrapes = new Map();
  let nextScrape = 1;

  const report = (sock) => {
    sock.once('close', () => {
      if (!sock[HANDED] && process.connected) process.send({ kvsocket: 'closed', id: sock[CONN] });
    });
  };

  process.on('message', (msg, handle) => {
    if (!msg || typeof msg.kvsocket !== 'string') return;
    switch (msg.kvsocket) {
      case 'connection':
        if (!handle) return;
        handle[CONN] = msg.id;
        report(handle);
        server.emit('connection', handle);
        return;
      case 'claimed': {
        // A claim another worker was given: its upgrade runs here, as if it had come here.
        if (!handle) return;
        handle[CONN] = msg.id;
        report(handle);
        const req = { method: msg.req.method, url: msg.req.url, headers: msg.req.headers, httpVersion: '1.1', socket: handle };
        server.emit('upgrade', req, handle, Buffer.from(msg.head, 'base64'));
        return;
      }
      case 'identified':
        identifying.get(msg.id)?.(msg.why);
        identifying.delete(msg.id);
        return;
      case 'metrics':
        (registry ? registry.getMetricsAsJSON() : Promise.resolve([])).then(
          (json) => process.send({ kvsocket: 'metrics-json', request: msg.request, json }),
          () => process.send({ kvsocket: 'metrics-json', request: msg.request, json: [] }),
        );
        return;
      case 'scraped':
        scrapes.get(msg.request)?.(msg);
        scrapes.delete(msg.request);
        return;
      default:
    }
  });

  return {
    index,
    address,
    claimPrefix: `${prefix}w${index}.`,
    maxConnections: options.maxConnections ?? DEFAULTS.maxConnections, // across all workers
    attach(s) {
      server = s;
    },
    setRegistry(r) {
      registry = r;
    },
    /** The primary's whole /metrics (every worker's, added up). */
    scrape() {
      const request = nextScrape++;
      return new Promise((resolve, reject) => {
        scrapes.set(request, (m) => (m.error ? reject(new Error(m.error)) : resolve(m.text)));
        process.send({ kvsocket: 'scrape', request });
      });
    },
    /** Wraps the worker's clientLimits: per-client counts of trusted peers' clients are the primary's. */
    limits(local, metrics) {
      return {
        ...local,
        identify(sock, client) {
          if (sock[CONN] === undefined || !trusted(sock.remoteAddress)) return null;
          return new Promise((resolve) => {
            identifying.set(sock[CONN], (why) => {
              if (why) metrics.capHit('max_per_client');
              resolve(why);
            });
            process.send({ kvsocket: 'identify', id: sock[CONN], client });
          });
        },
      };
    },
    /**
     * A claim for a listener of another worker: hands the socket to the primary with the
     * request and returns true; false when the listener is (or would be) here.
     */
    handOver(ctx) {
      const owner = claimWorker(ctx.query.get('claim'), prefix);
      if (owner === null || owner === index) return false;
      const head = ctx.release();
      const sock = ctx.socket;
      // Until the primary has the socket this process's copy stays open: it must not read what
      // the client sends once the other worker has answered.
      stopReading(sock);
      sock[HANDED] = true;
      sock.server = null; // not one of this worker's server's connections any more
      const { method, url, headers } = ctx.req;
      process.send({ kvsocket: 'claim', id: sock[CONN], to: owner, req: { method, url, headers }, head: head.toString('base64') }, sock, { keepOpen: false }, () => sock.destroy());
      return true;
    },
  };
}
