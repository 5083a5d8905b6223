// README's pg-in-a-page example as a page entry (its size is the one README gives:
// tests/clients/page.test.js measures it).
import './globals.js';
import pg from 'pg';
import net from 'net';

window.run = async (proxy, port) => {
  net.setDefaultProxy(proxy);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'kv', database: 'postgres' }); // the test server's database
  await client.connect();
  const { rows } = await client.query('SELECT 1 + 1 AS two');
  await client.end();
  return rows;
};
