// A page that runs the npm `pg` client, unmodified, with `ssl: { ca }`: its require('net') is
// kvsocket/net and its require('tls') kvsocket/tls by the bundler's alias (tlsBuild in
// bundlers.js), so TLS runs in the page and the proxy carries ciphertext only.
// window.run(proxy, { port, ca }) connects through `proxy` to PostgreSQL with ssl=on.
import './globals.js';
import pg from 'pg';
import net from 'net';
import tls from 'tls';

window.run = async (proxy, { port, ca }) => {
  net.setDefaultProxy(proxy);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'kv', database: 'postgres', ssl: { ca } });
  await client.connect();
  try {
    const stream = client.connection.stream;
    const { rows } = await client.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return { ssl: rows[0].ssl, serverVersion: rows[0].version, protocol: stream.getProtocol(), authorized: stream.authorized, tls: stream instanceof tls.TLSSocket };
  } finally {
    await client.end();
  }
};
