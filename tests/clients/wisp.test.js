// Clients over kvsocket/net through a Wisp server in Node (the `proxy` option, docs/wisp.md):
// the path a page takes, with Node's stream classes. pg against a real PostgreSQL through
// kvsocket-proxy's Wisp endpoint, and a refused target reported with Node's code (the proxy
// confirms or refuses each stream's connect).
import test from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import net from 'kvsocket/net';
import { PG_BIN, missing, startPostgres } from './servers.js';
import { startProxy } from 'kvsocket/proxy';
import { freePort } from '../ports.js';

async function wispProxy(t, allow, options = {}) {
  const proxy = await startProxy({ allow, log: () => {}, ...options });
  t.after(() => proxy.close());
  return `wisp+ws://127.0.0.1:${proxy.port}/wisp/`;
}

test('pg over kvsocket/net through a Wisp server: a query and a transaction', { skip: !PG_BIN && missing('PostgreSQL', 'postgresql'), timeout: 30000 }, async (t) => {
  const server = await startPostgres();
  t.after(() => server.close());
  const url = await wispProxy(t, [`127.0.0.1:${server.port}`]);
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'kv', database: 'postgres', stream: () => new net.Socket({ proxy: url }) });
  await client.connect();
  assert.equal(client.connection.stream.socket.inspect().status, 'Connected');
  const { rows } = await client.query("SELECT $1::text || ' over Wisp' AS said", ['pg']);
  assert.deepEqual(rows, [{ said: 'pg over Wisp' }]);
  await client.query('CREATE TABLE t (n int)');
  await client.query('BEGIN');
  await client.query('INSERT INTO t SELECT generate_series(1, 1000)');
  await client.query('COMMIT');
  assert.deepEqual((await client.query('SELECT sum(n)::int AS s FROM t')).rows, [{ s: 500500 }]);
  await client.end(); // before the after hooks stop the server (they run in the order given)
});

test('kvsocket/net through a Wisp server: a refused target is ECONNREFUSED', { timeout: 15000 }, async (t) => {
  const closed = await freePort();
  const url = await wispProxy(t, [`127.0.0.1:${closed}`]);
  const sock = net.createConnection({ port: closed, host: '127.0.0.1', proxy: url });
  const err = await new Promise((resolve) => sock.once('error', resolve));
  assert.equal(err.code, 'ECONNREFUSED', `${err.code} ${err.kvircCode}: ${err.message}`);
  assert.equal(err.kvircCode, 'ConnectionRefused');
  assert.equal(err.syscall, 'connect');
});

test('kvsocket/net through a Wisp server: a name the resolver does not know is ENOTFOUND', { timeout: 15000 }, async (t) => {
  const port = await freePort();
  // The proxy resolves names; this resolver (the test's own: no lookup leaves the machine)
  // knows none.
  const lookup = async (name) => { throw Object.assign(new Error(`${name} not found`), { code: 'ENOTFOUND' }); };
  const url = await wispProxy(t, [`nowhere.test:${port}`], { lookup });
  const sock = net.createConnection({ port, host: 'nowhere.test', proxy: url });
  const err = await new Promise((resolve) => sock.once('error', resolve));
  assert.equal(err.code, 'ENOTFOUND', `${err.code} ${err.kvircCode}: ${err.message}`);
  assert.equal(err.kvircCode, 'HostNotFound');
  assert.equal(err.syscall, 'getaddrinfo');
  assert.equal(err.hostname, 'nowhere.test');
  assert.match(err.message, /^getaddrinfo ENOTFOUND nowhere\.test /);
});

test('kvsocket/net: a connect that outlasts connectTimeout is ETIMEDOUT', { timeout: 15000 }, async (t) => {
  const port = await freePort();
  let answer;
  // A resolver that answers only when the test ends: the connect waits until kvsocket's deadline.
  const lookup = () => new Promise((resolve, reject) => { answer = reject; });
  const url = await wispProxy(t, [`slow.test:${port}`], { lookup });
  t.after(() => answer?.(Object.assign(new Error('done'), { code: 'ENOTFOUND' })));
  const started = performance.now();
  const sock = new net.Socket({ proxy: url, connectTimeout: 300 }).connect(port, 'slow.test');
  const err = await new Promise((resolve) => sock.once('error', resolve));
  const waited = performance.now() - started;
  assert.equal(err.code, 'ETIMEDOUT', `${err.code} ${err.kvircCode}: ${err.message}`);
  assert.equal(err.kvircCode, 'SocketTimeout');
  assert.ok(waited >= 250 && waited < 5000, `the error came after ${waited} ms`);
});
