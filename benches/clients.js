// npm clients over kvsocket/net against the same clients over node:net, side by side in one
// run, against real servers on 127.0.0.1 (Debian's redis-server and PostgreSQL, which
// scripts/setup.sh installs; tests/clients/servers.js starts them):
// - ioredis: SET then GET of a 100-byte value, OPS commands with CONCURRENCY of them in flight
//   (ops/s, higher is better);
// - pg: `SELECT 1` simple queries one after the other (the round trip in µs, lower is better;
//   and this process's CPU time per query, steadier on a busy machine).
// Sides alternate over ROUNDS rounds and each keeps its best, so neither always runs on the
// warmer machine. Prints a table, then (with --json) one JSON line of rows for benches/run.js.
import { Redis, AbstractConnector } from 'ioredis';
import pg from 'pg';
import kvnet from 'kvsocket/net';
import { REDIS, PG_BIN, startRedis, startPostgres } from '../tests/clients/servers.js';

const OPS = Number(process.env.BENCH_REDIS_OPS ?? 20000);
const CONCURRENCY = 50;
const QUERIES = Number(process.env.BENCH_PG_QUERIES ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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

async function pgRoundTrip(port, kv) {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'kv', database: 'postgres', ...(kv ? { stream: () => new kvnet.Socket() } : {}) });
  await client.connect();
  try {
    for (let i = 0; i < 500; i++) await client.query('SELECT 1'); // warm-up
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < QUERIES; i++) await client.query('SELECT 1');
    const used = process.cpuUsage(cpu);
    return { wall: ((performance.now() - started) * 1000) / QUERIES, cpu: (used.user + used.system) / QUERIES };
  } finally {
    await client.end();
  }
}

// Each side's best of the rounds; `measure` returns a number, or { wall, cpu } (each kept
// apart: the least wall time and the least CPU time).
async function sideBySide(measure, port, better) {
  const best = { raw: better === 'higher' ? 0 : Infinity, kv: better === 'higher' ? 0 : Infinity, cpuRaw: Infinity, cpuKv: Infinity };
  const keep = better === 'higher' ? Math.max : Math.min;
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 ? ['kv', 'raw'] : ['raw', 'kv']) {
      const got = await measure(port, side === 'kv');
      best[side] = keep(best[side], got.wall ?? got);
      if (got.cpu !== undefined) {
        const key = side === 'kv' ? 'cpuKv' : 'cpuRaw';
        best[key] = Math.min(best[key], got.cpu);
      }
    }
  }
  return best;
}

const rows = [];
if (REDIS) {
  const server = await startRedis();
  try {
    const best = await sideBySide(redisOps, server.port, 'higher');
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
    const best = await sideBySide(pgRoundTrip, server.port, 'lower');
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

console.log(`clients over node:net (raw) and kvsocket/net, best of ${ROUNDS}, Node ${process.version}: ioredis ${OPS} ops with ${CONCURRENCY} in flight, pg ${QUERIES} queries in a row`);
for (const r of rows) {
  if (r.error) { console.log(`${r.row}: ${r.error}`); continue; }
  console.log(`${r.row.padEnd(16)} raw ${r.raw.toFixed(1).padStart(9)} ${r.unit}  kvsocket ${r.kv.toFixed(1).padStart(9)} ${r.unit}  ratio ${r.ratio.toFixed(2)} (${r.better} is better)`);
  if (r.cpuRaw !== undefined) {
    console.log(`${''.padEnd(16)} this process's CPU per query: raw ${r.cpuRaw.toFixed(1)} µs  kvsocket ${r.cpuKv.toFixed(1)} µs  ratio ${(r.cpuKv / r.cpuRaw).toFixed(2)}`);
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ rows }));
