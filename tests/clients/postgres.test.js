// The npm `postgres` client (porsager/postgres v3), unmodified, through its Cloudflare build
// (postgres/cf: `await import('cloudflare:sockets')` and then connect('host:port')), with
// `cloudflare:sockets` resolved to kvsocket by a bundler's alias, against a real PostgreSQL on
// 127.0.0.1. postgres/cf has no other way to connect (its polyfill imports `cloudflare:sockets`
// and nothing else), so a query that answers went through kvsocket's connect().
import test from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PG_BIN, missing, startPostgres } from './servers.js';

const root = path.resolve(import.meta.dirname, '../..');
const skip = !PG_BIN && missing('PostgreSQL', 'postgresql');

// The alias as an app's bundler would make it: esbuild bundles postgres's Cloudflare build (the
// `workerd` export condition) with `cloudflare:sockets` resolved to `kvsocket`, left as an import
// so that the bundle (written inside the repository, where `kvsocket` resolves to this package)
// shares this process's Socket class. The same on Node, Bun and Deno.
// (A file of this process's own: scripts/test-runtimes.sh runs this file on Bun and Deno at once.)
const out = path.join(root, `test-output/postgres-cf-${process.pid}.mjs`);
await esbuild.build({
  stdin: { contents: "export { default } from 'postgres';", resolveDir: root },
  bundle: true,
  format: 'esm',
  platform: 'node',
  conditions: ['workerd'],
  outfile: out,
  logLevel: 'warning',
  plugins: [{
    name: 'cloudflare-sockets',
    setup(build) {
      build.onResolve({ filter: /^cloudflare:sockets$/ }, () => ({ path: 'kvsocket', external: true }));
    },
  }],
});
const { default: postgres } = await import(pathToFileURL(out).href);
rmSync(out, { force: true });

const options = (port) => ({ host: '127.0.0.1', port, user: 'kv', database: 'postgres', max: 1, idle_timeout: 0 });

test('postgres through connect(): a query, a transaction committed, one rolled back', { skip, timeout: 30000 }, async (t) => {
  const server = await startPostgres();
  t.after(() => server.close());
  const sql = postgres(options(server.port));
  t.after(() => sql.end({ timeout: 1 }).catch(() => {}));

  const [row] = await sql`SELECT ${41}::int + 1 AS n, current_user AS who`;
  assert.deepEqual({ ...row }, { n: 42, who: 'kv' });

  await sql`CREATE TABLE item (id int PRIMARY KEY, name text)`;
  const done = await sql.begin(async (tx) => {
    await tx`INSERT INTO item VALUES (1, ${'kept'})`;
    await tx`INSERT INTO item VALUES (2, ${'kept too'})`;
    return 'committed';
  });
  assert.equal(done, 'committed');
  // A failing statement rolls the whole transaction back: row 3 is not kept.
  await assert.rejects(sql.begin(async (tx) => {
    await tx`INSERT INTO item VALUES (3, ${'rolled back'})`;
    await tx`INSERT INTO item VALUES (1, ${'duplicate'})`;
  }), (e) => e.code === '23505');
  const rows = await sql`SELECT id, name FROM item ORDER BY id`;
  assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: 1, name: 'kept' }, { id: 2, name: 'kept too' }]);

  // A bigger answer than one read: 2 000 rows of ~100 bytes arrive whole.
  const many = await sql`SELECT g AS i, repeat('x', 100) AS pad FROM generate_series(1, 2000) g`;
  assert.equal(many.length, 2000);
  assert.equal(many.at(-1).i, 2000);
  await sql.end({ timeout: 5 });
});

// No refused-connection case here: postgres's cf polyfill answers a failed connection by
// emitting 'error' twice (from `closed`'s rejection and from the failed write) after its listener
// is gone, which Node's EventEmitter throws as an unhandled rejection inside postgres (it would in
// workerd too). kvsocket's side of it, opened and closed rejecting with ConnectionRefused, is
// tests/node/cf-connect.test.js.
