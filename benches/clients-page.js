// The page of benches/clients.js's page rows: npm clients, unmodified, in Chromium over
// kvsocket/net (bundled with the aliases of docs/net.md, tests/clients/page/bundlers.js), the same
// work as the Node rows. Copied beside tests/clients/page/'s entries (it imports their
// globals.js) and built by esbuild.
//   window.redisOps(proxy, port, ops, concurrency): ioredis SET then GET of a 100-byte value,
//     `concurrency` commands in flight; ops/s.
//   window.pgRoundTrip(proxy, port, queries, rounds): pg `SELECT 1` one after the other, the
//     best round's µs per query.
import './globals.js';
import Redis from 'ioredis';
import pg from 'pg';
import net from 'net';

window.redisOps = async (proxy, port, ops, concurrency) => {
  net.setDefaultProxy(proxy);
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const value = 'v'.repeat(100);
  try {
    await redis.connect();
    for (let i = 0; i < 2000; i++) await redis.get('warm'); // warm-up
    let next = 0;
    const worker = async () => {
      while (next < ops) {
        const i = next;
        next += 2;
        await redis.set(`k${i % 1000}`, value);
        await redis.get(`k${i % 1000}`);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return ops / ((performance.now() - started) / 1000);
  } finally {
    redis.disconnect();
  }
};

window.pgRoundTrip = async (proxy, port, queries, rounds) => {
  net.setDefaultProxy(proxy);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'kv', database: 'postgres' });
  await client.connect();
  try {
    for (let i = 0; i < 500; i++) await client.query('SELECT 1'); // warm-up (a page's round trip is ~10× Node's)
    let best = Infinity;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      for (let i = 0; i < queries; i++) await client.query('SELECT 1');
      best = Math.min(best, ((performance.now() - started) * 1000) / queries);
    }
    return best;
  } finally {
    await client.end();
  }
};
