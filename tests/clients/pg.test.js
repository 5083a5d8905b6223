// The npm `pg` client, unmodified, over kvsocket/net against a real PostgreSQL on 127.0.0.1:
// pg makes its stream first (`stream: () => new net.Socket()`) and then calls
// stream.connect(port, host). A query, a 10 MB COPY FROM STDIN (pg-copy-streams), transactions,
// and a refused connection reported with Node's code.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import net from 'kvsocket/net';
import { PG_BIN, missing, startPostgres } from './servers.js';
import { freePort } from '../ports.js';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');

const skip = !PG_BIN && missing('PostgreSQL', 'postgresql');
const connect = (port) => new pg.Client({ host: '127.0.0.1', port, user: 'kv', database: 'postgres', stream: () => new net.Socket() });

// 10 MB of COPY text: `id<TAB>body` lines with bodies that differ.
function* copyLines(count, bodyLength) {
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(bodyLength / 36) + 1);
  for (let i = 0; i < count; i++) {
    const at = i % 36;
    yield `${i}\t${filler.slice(at, at + bodyLength)}\n`;
  }
}

test('pg over kvsocket/net: query, 10 MB COPY FROM STDIN, transactions', { skip, timeout: 60000 }, async (t) => {
  const server = await startPostgres();
  t.after(() => server.close());
  const client = connect(server.port);
  await client.connect();
  t.after(() => client.end().catch(() => {}));
  assert.ok(client.connection.stream instanceof net.Socket, 'pg talks through kvsocket/net');
  assert.equal(client.connection.stream.remotePort, server.port);

  const { rows } = await client.query('SELECT $1::int + 1 AS n, current_user AS who', [41]);
  assert.deepEqual(rows, [{ n: 42, who: 'kv' }]);

  await client.query('CREATE TABLE blob (id int PRIMARY KEY, body text)');
  const count = 40_000;
  const bodyLength = 250; // 40 000 lines of ~256 bytes: 10.3 MB
  const expected = createHash('md5');
  let bytes = 0;
  for (const line of copyLines(count, bodyLength)) {
    bytes += line.length;
    expected.update(line.slice(line.indexOf('\t') + 1, -1));
  }
  assert.ok(bytes > 10_000_000, `${bytes} bytes of COPY data`);
  const copy = client.query(copyFrom('COPY blob (id, body) FROM STDIN'));
  await pipeline(Readable.from(copyLines(count, bodyLength)), copy);
  assert.equal(copy.rowCount, count);
  const check = await client.query("SELECT count(*)::int AS n, md5(string_agg(body, '' ORDER BY id)) AS md5 FROM blob");
  assert.deepEqual(check.rows, [{ n: count, md5: expected.digest('hex') }], 'every row arrived whole and in order');

  // A transaction rolled back leaves nothing; one committed stays; a failed statement aborts
  // the transaction (SQLSTATE 25P02 for what follows) until ROLLBACK.
  await client.query('BEGIN');
  await client.query('INSERT INTO blob VALUES (-1, $1)', ['rolled back']);
  await client.query('ROLLBACK');
  await client.query('BEGIN');
  await client.query('INSERT INTO blob VALUES (-2, $1)', ['committed']);
  await client.query('COMMIT');
  await client.query('BEGIN');
  await assert.rejects(client.query('INSERT INTO blob VALUES (-2, $1)', ['duplicate']), (e) => e.code === '23505');
  await assert.rejects(client.query('SELECT 1'), (e) => e.code === '25P02');
  await client.query('ROLLBACK');
  const ids = await client.query('SELECT id FROM blob WHERE id < 0 ORDER BY id');
  assert.deepEqual(ids.rows, [{ id: -2 }]);

  const stream = client.connection.stream;
  const closed = new Promise((resolve) => stream.once('close', resolve));
  await client.end();
  assert.equal(await closed, false, "'close' without an error after pg's Terminate");
  assert.ok(stream.bytesWritten > bytes && stream.bytesRead > 0, `bytesWritten ${stream.bytesWritten}, bytesRead ${stream.bytesRead}`);
});

test('pg over kvsocket/net: a refused connection rejects with ECONNREFUSED', { timeout: 10000 }, async () => {
  const client = connect(await freePort());
  await assert.rejects(client.connect(), (e) => e.code === 'ECONNREFUSED' && e.kvircCode === 'ConnectionRefused');
});

test("the README's pg example runs as written (its port and user swapped for the test server's)", { skip, timeout: 30000 }, async (t) => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const example = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes("from 'kvsocket/net'") && b.includes('pg.Client'));
  assert.ok(example, 'README.md has the pg example');
  assert.match(example, /port: 5432/);
  const server = await startPostgres();
  t.after(() => server.close());
  // A folder of this process's own: scripts/test-runtimes.sh runs this file on Bun and Deno at once.
  const dir = path.join(root, `test-output/readme-pg-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'pg.mjs');
  writeFileSync(file, example.replace('port: 5432', `port: ${server.port}, user: 'kv', database: 'postgres'`));
  const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: dir, timeout: 20000 });
  assert.equal(stdout.trim(), '[ { two: 2 } ]');
});
