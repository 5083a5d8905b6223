// The npm `pg` client, unmodified, with `ssl: { ca }` over kvsocket/net and kvsocket/tls against a
// real PostgreSQL with ssl=on (a certificate of the test CA, tests/tls/servers.js): pg sends its
// SSLRequest over the kvsocket/net stream, reads 'S', then calls require('tls').connect({ socket,
// host, ca }), which is kvsocket/tls here (put in require's cache under the builtin's name before
// pg loads, as irc.test.js does for `net`). The session is TLS by the server's own account
// (pg_stat_ssl); a wrong CA is refused with node:tls's code.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import net from 'kvsocket/net';
import kvtls from 'kvsocket/tls';
import { PG_BIN, missing, startPostgres } from './servers.js';
import { makeCerts } from '../tls/servers.js';

const require = createRequire(import.meta.url);
const upgrades = [];
require.cache.tls = { id: 'tls', filename: 'tls', loaded: true, children: [], paths: [],
  exports: { ...kvtls, connect: (...a) => { const s = kvtls.connect(...a); upgrades.push(s); return s; } } };
const pg = require('pg');

const skip = !PG_BIN && missing('PostgreSQL', 'postgresql');

test('pg with ssl: { ca } over kvsocket/net + kvsocket/tls: a query on a TLS session; a wrong CA refused', { skip, timeout: 30000 }, async (t) => {
  const certs = makeCerts();
  t.after(() => certs.remove());
  const server = await startPostgres({ ssl: { cert: certs.file('server.pem'), key: certs.file('server.key') } });
  t.after(() => server.close());
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'kv', database: 'postgres',
    stream: () => new net.Socket(), ssl: { ca: certs.ca } });
  client.on('error', () => {}); // the server stopped by t.after before the client (a failed assertion)
  await client.connect();
  assert.equal(upgrades.length, 1, 'pg upgraded through kvsocket/tls');
  assert.ok(client.connection.stream instanceof kvtls.TLSSocket);
  assert.equal(client.connection.stream.authorized, true);
  const { rows } = await client.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
  assert.equal(rows[0].ssl, true, 'the server sees a TLS session');
  assert.equal(rows[0].version, client.connection.stream.getProtocol());
  assert.deepEqual((await client.query('SELECT 1 + 1 AS two')).rows, [{ two: 2 }]);
  await client.end();

  const other = makeCerts(); // another CA: the server's certificate is not one of its
  t.after(() => other.remove());
  const refused = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'kv', database: 'postgres',
    stream: () => new net.Socket(), ssl: { ca: other.ca } });
  await assert.rejects(refused.connect(), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', kvircCode: 'TlsCertificateUnknownIssuer' });
});
