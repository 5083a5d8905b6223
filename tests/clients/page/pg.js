// A page that runs the npm `pg` client, unmodified: its require('net') is kvsocket/net by the
// bundler's alias (tests/clients/page.test.js builds it). window.run(proxy, port) connects
// through `proxy` (kvsocket-proxy's per-socket template or its /wisp/ endpoint) to PostgreSQL.
import './globals.js';
import pg from 'pg';
import net from 'net';

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
    out.stream = client.connection.stream instanceof net.Socket; // pg talks through kvsocket/net
    return out;
  } finally {
    await client.end();
  }
};
