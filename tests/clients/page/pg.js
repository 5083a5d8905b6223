// A page that runs the npm `pg` client, unmodified: its require('net') is kvsocket/net by the
// bundler's alias (tests/clients/page.test.js builds it). window.run(proxy, port) connects
// through `proxy` (kvsocket-proxy's per-socket template or its /wisp/ endpoint) to PostgreSQL.
import './globals.js';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable, pipeline } from 'stream';
import net from 'net';

// COPY text: `id<TAB>body` lines of ~256 bytes.
function* copyLines(count) {
  for (let i = 0; i < count; i++) yield `${i}\t${String(i % 10).repeat(250)}\n`;
}

window.run = async (proxy, port) => {
  net.setDefaultProxy(proxy);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'kv', database: 'postgres' });
  await client.connect();
  try {
    const out = {};
    out.query = (await client.query('SELECT $1::int + 1 AS n, current_user AS who', [41])).rows;
    await client.query('CREATE TEMP TABLE t (n int)');
    await client.query('BEGIN');
    await client.query('INSERT INTO t SELECT generate_series(1, 1000)');
    await client.query('COMMIT');
    await client.query('BEGIN');
    await client.query('INSERT INTO t VALUES (5000)');
    await client.query('ROLLBACK');
    out.sum = (await client.query('SELECT sum(n)::int AS s FROM t')).rows;
    // A 2.5 MB COPY FROM STDIN (pg-copy-streams, unmodified) through the page's streams.
    await client.query('CREATE TEMP TABLE blob (id int, body text)');
    await new Promise((resolve, reject) => pipeline(Readable.from(copyLines(10_000)), client.query(copyFrom('COPY blob FROM STDIN')), (err) => (err ? reject(err) : resolve())));
    out.copied = (await client.query('SELECT count(*)::int AS n, sum(length(body))::int AS bytes FROM blob')).rows;
    out.stream = client.connection.stream instanceof net.Socket; // pg talks through kvsocket/net
    return out;
  } finally {
    await client.end();
  }
};
