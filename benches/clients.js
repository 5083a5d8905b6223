// npm clients over kvsocket/net against the same clients over node:net, side by side in one
// run, against real servers on 127.0.0.1 (Debian's redis-server and PostgreSQL, which
// scripts/setup.sh installs; tests/clients/servers.js starts them):
// - ioredis: SET then GET of a 100-byte value, OPS commands with CONCURRENCY of them in flight
//   (ops/s, higher is better);
// - pg: `SELECT 1` simple queries one after the other (the round trip in µs, lower is better;
//   and this process's CPU time per query, steadier on a busy machine).
// Sides alternate and each keeps its best, so neither always runs on the warmer machine.
// Then the same clients, the same work, in a Chromium page over kvsocket/net (benches/clients-page.js,
// bundled by esbuild with docs/net.md's aliases) through kvsocket-proxy, per socket and through its
// Wisp endpoint: reported beside the Node rows, with no raw side (a page has no TCP of its own)
// and no target; wall time only (the page's CPU is Chromium's renderer's).
// `--node` runs the Node rows only, `--page` the page rows only (benches/run.js runs the Node
// rows on each Node, the page rows once). Prints a table, then (with --json) one JSON line of rows
// for benches/run.js. Stops by itself: a run past BENCH_CLIENTS_SECONDS (300) fails.
import { Redis, AbstractConnector } from 'ioredis';
import pg from 'pg';
import path from 'node:path';
import os from 'node:os';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import kvnet from 'kvsocket/net';
import { startProxy } from 'kvsocket/proxy';
import { REDIS, PG_BIN, startRedis, startPostgres } from '../tests/clients/servers.js';
import { BUNDLERS, appFolder } from '../tests/clients/page/bundlers.js';
import { CHROMIUM_PATH, launchChromium, serveFolder } from '../tests/browser/harness.js';

const OPS = Number(process.env.BENCH_REDIS_OPS ?? 20000);
const CONCURRENCY = 50;
const QUERIES = Number(process.env.BENCH_PG_QUERIES ?? 3000);
const PG_ROUNDS = Number(process.env.BENCH_PG_ROUNDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// A page's pg round trip is ~10× Node's: fewer queries there keep the run short.
const PAGE_QUERIES = Number(process.env.BENCH_PAGE_PG_QUERIES ?? 1000);
const NODE_ROWS = !process.argv.includes('--page');
const PAGE_ROWS = !process.argv.includes('--node');

const deadline = setTimeout(() => {
  console.error('clients bench: gave up after BENCH_CLIENTS_SECONDS');
  process.exit(1);
}, Number(process.env.BENCH_CLIENTS_SECONDS ?? 300) * 1000);
deadline.unref();

class KvsocketConnector extends AbstractConnector {
  constructor(options) {
    super(options.disconnectTimeout);
    this.options = options;
  }

  connect() {
    this.connecting = true;
    const { port, host, family } = this.options;
    return Promise.resolve(this.stream = kvnet.createConnection({ port, host, family }));
  }
}

async function redisOps(port, kv) {
  const redis = new Redis({ port, host: '127.0.0.1', ...(kv ? { Connector: KvsocketConnector } : {}) });
  const value = 'v'.repeat(100);
  try {
    await redis.ping();
    let next = 0;
    const worker = async () => {
      while (next < OPS) {
        const i = next;
        next += 2;
        await redis.set(`k${i % 1000}`, value);
        await redis.get(`k${i % 1000}`);
      }
    };
    for (let i = 0; i < 2000; i++) await redis.get('warm'); // warm-up
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return OPS / ((performance.now() - started) / 1000);
  } finally {
    redis.disconnect();
  }
}

// Both clients stay connected and take turns, PG_ROUNDS rounds of QUERIES queries each (a
// connect per round measured the connects' aftermath as much as the queries).
async function pgRoundTrips(port) {
  const make = (kv) => new pg.Client({ host: '127.0.0.1', port, user: 'kv', database: 'postgres', ...(kv ? { stream: () => new kvnet.Socket() } : {}) });
  const clients = { raw: make(false), kv: make(true) };
  const best = { raw: Infinity, kv: Infinity, cpuRaw: Infinity, cpuKv: Infinity };
  try {
    for (const client of Object.values(clients)) {
      await client.connect();
      for (let i = 0; i < 2000; i++) await client.query('SELECT 1'); // warm-up
    }
    for (let round = 0; round < PG_ROUNDS; round++) {
      for (const side of round % 2 ? ['kv', 'raw'] : ['raw', 'kv']) {
        const started = performance.now();
        const cpu = process.cpuUsage();
        for (let i = 0; i < QUERIES; i++) await clients[side].query('SELECT 1');
        const used = process.cpuUsage(cpu);
        best[side] = Math.min(best[side], ((performance.now() - started) * 1000) / QUERIES);
        const key = side === 'kv' ? 'cpuKv' : 'cpuRaw';
        best[key] = Math.min(best[key], (used.user + used.system) / QUERIES);
      }
    }
  } finally {
    for (const client of Object.values(clients)) await client.end().catch(() => {});
  }
  return best;
}

// Each side's best of ROUNDS alternating rounds.
async function sideBySide(measure, port) {
  const best = { raw: 0, kv: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 ? ['kv', 'raw'] : ['raw', 'kv']) {
      best[side] = Math.max(best[side], await measure(port, side === 'kv'));
    }
  }
  return best;
}

const rows = [];
if (NODE_ROWS) {
  if (REDIS) {
    const server = await startRedis();
    try {
      const best = await sideBySide(redisOps, server.port);
      rows.push({ row: 'ioredis GET/SET', unit: 'ops/s', raw: best.raw, kv: best.kv, ratio: best.kv / best.raw, better: 'higher' });
    } finally {
      await server.close();
    }
  } else {
    rows.push({ row: 'ioredis GET/SET', error: 'no redis-server (scripts/setup.sh installs it)' });
  }
  if (PG_BIN) {
    const server = await startPostgres();
    try {
      const best = await pgRoundTrips(server.port);
      rows.push({
        row: 'pg SELECT 1', unit: 'µs', raw: best.raw, kv: best.kv, ratio: best.kv / best.raw, better: 'lower',
        cpuRaw: best.cpuRaw, cpuKv: best.cpuKv,
      });
    } finally {
      await server.close();
    }
  } else {
    rows.push({ row: 'pg SELECT 1', error: 'no PostgreSQL (scripts/setup.sh installs it)' });
  }

}

// The page rows: ioredis ops/s and pg's round trip, through each of the proxy's two endpoints in
// turn, each keeping its best.
async function pageRows() {
  if (!existsSync(CHROMIUM_PATH)) return [{ row: 'clients in a page', error: `no Chromium at ${CHROMIUM_PATH} (scripts/setup.sh installs it)` }];
  const closing = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kvsocket-bench-pages-'));
  closing.push(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const redis = REDIS ? await startRedis() : null;
    if (redis) closing.push(() => redis.close());
    const postgres = PG_BIN ? await startPostgres() : null;
    if (postgres) closing.push(() => postgres.close());
    const proxy = await startProxy({ allow: [redis, postgres].filter(Boolean).map((s) => `127.0.0.1:${s.port}`), log: () => {} });
    closing.push(() => proxy.close());
    const src = appFolder(dir);
    copyFileSync(path.join(import.meta.dirname, 'clients-page.js'), path.join(src, 'bench-clients.js'));
    await BUNDLERS.esbuild(path.join(src, 'bench-clients.js'), path.join(dir, 'dist', 'bench'));
    const site = await serveFolder(path.join(dir, 'dist'));
    closing.push(() => site.server.close());
    const browser = await launchChromium();
    closing.push(() => browser.close());
    const tab = await browser.newPage();
    const failed = new Promise((_, reject) => tab.on('pageerror', reject));
    failed.catch(() => {});
    await tab.goto(`${site.url}/bench/index.html`);
    await tab.waitForFunction(() => typeof window.pgRoundTrip === 'function', null, { timeout: 10_000 });
    const call = (fn, ...args) => Promise.race([tab.evaluate(([f, a]) => window[f](...a), [fn, args]), failed]);
    const vias = { 'kvsocket-proxy': `${proxy.url}?host={host}&port={port}`, Wisp: `wisp+ws://127.0.0.1:${proxy.port}/wisp/` };
    const out = [];
    const each = async (rounds, measure, better) => {
      const best = {};
      for (let round = 0; round < rounds; round++) {
        for (const via of round % 2 ? Object.keys(vias).reverse() : Object.keys(vias)) {
          const value = await measure(vias[via]);
          best[via] = best[via] === undefined ? value : better(best[via], value);
        }
      }
      return best;
    };
    if (redis) {
      const best = await each(ROUNDS, (proxyUrl) => call('redisOps', proxyUrl, redis.port, OPS, CONCURRENCY), Math.max);
      for (const [via, kv] of Object.entries(best)) out.push({ row: `ioredis GET/SET, page via ${via}`, unit: 'ops/s', kv });
    } else {
      out.push({ row: 'ioredis GET/SET, page', error: 'no redis-server (scripts/setup.sh installs it)' });
    }
    if (postgres) {
      // Two calls per endpoint (each connects and warms up), the rounds shared between them.
      const best = await each(2, (proxyUrl) => call('pgRoundTrip', proxyUrl, postgres.port, PAGE_QUERIES, Math.ceil(PG_ROUNDS / 2)), Math.min);
      for (const [via, kv] of Object.entries(best)) out.push({ row: `pg SELECT 1, page via ${via}`, unit: 'µs', kv });
    } else {
      out.push({ row: 'pg SELECT 1, page', error: 'no PostgreSQL (scripts/setup.sh installs it)' });
    }
    return out;
  } finally {
    for (const close of closing.reverse()) await close();
  }
}
if (PAGE_ROWS) rows.push(...await pageRows());

console.log(`clients over node:net (raw) and kvsocket/net, Node ${process.version}${PAGE_ROWS ? ', and over kvsocket/net in Chromium' : ''}: ioredis ${OPS} ops with ${CONCURRENCY} in flight (best of ${ROUNDS}), pg ${QUERIES} queries in a row (best of ${PG_ROUNDS}${PAGE_ROWS ? `; in the page ${PAGE_QUERIES}` : ''})`);
for (const r of rows) {
  if (r.error) { console.log(`${r.row}: ${r.error}`); continue; }
  if (r.raw === undefined) { console.log(`${r.row.padEnd(40)} kvsocket ${r.kv.toFixed(1).padStart(9)} ${r.unit}`); continue; }
  console.log(`${r.row.padEnd(16)} raw ${r.raw.toFixed(1).padStart(9)} ${r.unit}  kvsocket ${r.kv.toFixed(1).padStart(9)} ${r.unit}  ratio ${r.ratio.toFixed(2)} (${r.better} is better)`);
  if (r.cpuRaw !== undefined) {
    console.log(`${''.padEnd(16)} this process's CPU per query: raw ${r.cpuRaw.toFixed(1)} µs  kvsocket ${r.cpuKv.toFixed(1)} µs  ratio ${(r.cpuKv / r.cpuRaw).toFixed(2)}`);
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ rows }));
