// A page that runs the npm `postgres` client's Cloudflare build, unmodified, over kvsocket's
// connect() (`cloudflare:sockets` → kvsocket by the bundler's alias, docs/connect.md):
// window.run(proxy, port) makes a query and two transactions (tests/clients/page.test.js).
import postgres from 'postgres';
import { Socket } from 'kvsocket';

window.run = async (proxy, port) => {
  Socket.defaultProxy = proxy; // the Socket class connect() is built over: one module
  const sql = postgres({ host: '127.0.0.1', port, user: 'kv', database: 'postgres', max: 1, idle_timeout: 0 });
  try {
    const [row] = await sql`SELECT ${41}::int + 1 AS n, current_user AS who`;
    const table = `item_${Math.random().toString(36).slice(2, 8)}`;
    await sql`CREATE TABLE ${sql(table)} (id int PRIMARY KEY, name text)`;
    await sql.begin(async (tx) => {
      await tx`INSERT INTO ${sql(table)} VALUES (1, ${'kept'})`;
    });
    const rolledBack = await sql.begin(async (tx) => {
      await tx`INSERT INTO ${sql(table)} VALUES (2, ${'rolled back'})`;
      await tx`INSERT INTO ${sql(table)} VALUES (1, ${'duplicate'})`;
    }).then(() => null, (e) => e.code);
    const rows = await sql`SELECT id, name FROM ${sql(table)} ORDER BY id`;
    return { query: { ...row }, rolledBack, rows: rows.map((r) => ({ ...r })) };
  } finally {
    await sql.end({ timeout: 5 });
  }
};
