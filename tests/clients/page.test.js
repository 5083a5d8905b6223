// Node clients, unmodified, in a Chromium page over kvsocket/net: each page (tests/clients/page/)
// is bundled with the `net` → kvsocket/net alias of docs/net.md and talks to a real server on
// 127.0.0.1 through a real kvsocket-proxy, per socket (its {host}/{port} template) and through
// its Wisp endpoint (/wisp/) (tests/clients/pages.js runs them). Here PostgreSQL's clients: pg
// (a query, transactions, a 2.5 MB COPY) with esbuild, Vite and webpack; README's pg example
// (its size is README's figure), pg with `ssl` (TLS in the page) and `postgres`'s Cloudflare
// build over kvsocket's connect() (`cloudflare:sockets` → kvsocket, docs/connect.md) with
// esbuild; and the three connect failures. page-clients.test.js has the other clients.
import test from 'node:test';
import assert from 'node:assert/strict';
import { BUNDLERS, cloudflareBuild, tlsBuild } from './page/bundlers.js';
import { makeCerts } from '../tls/servers.js';
import { PG_BIN, missing, startPostgres } from './servers.js';
import { freePort } from '../ports.js';
import { runPage, setup } from './pages.js';

test('pg in a page (esbuild, Vite, webpack) through kvsocket-proxy and its Wisp endpoint', { skip: !PG_BIN && missing('PostgreSQL', 'postgresql'), timeout: 120_000 }, async (t) => {
  const server = await startPostgres();
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  for (const bundler of Object.keys(BUNDLERS)) {
    await t.test(bundler, { timeout: 60_000 }, async (t2) => {
      const answers = await runPage(t2, browser, site, dir, { bundler, name: 'pg', proxies, port: server.port });
      for (const answer of answers) {
        assert.deepEqual(answer, { query: [{ n: 42, who: 'kv' }], sum: [{ s: 500500 }], copied: [{ n: 10000, bytes: 2500000 }], stream: true });
      }
    });
  }
  // README's example (tests/clients/page/readme-pg.js): its bundle's size is README's figure.
  await t.test("README's pg page (esbuild)", { timeout: 60_000 }, async (t2) => {
    const answers = await runPage(t2, browser, site, dir, { bundler: 'esbuild', name: 'readme-pg', proxies, port: server.port });
    for (const answer of answers) assert.deepEqual(answer, [{ two: 2 }]);
  });
});

test('pg with ssl: { ca } in a page (esbuild, `tls` → kvsocket/tls): TLS in the page, through kvsocket-proxy and its Wisp endpoint', { skip: !PG_BIN && missing('PostgreSQL', 'postgresql'), timeout: 60_000 }, async (t) => {
  const certs = makeCerts();
  t.after(() => certs.remove());
  const server = await startPostgres({ ssl: { cert: certs.file('server.pem'), key: certs.file('server.key') } });
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  const calls = proxies.map((p) => [p, { port: server.port, ca: certs.ca }]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'pg-tls', calls, build: tlsBuild, tls: true });
  for (const answer of answers) {
    assert.equal(answer.ssl, true, 'the server sees a TLS session');
    assert.equal(answer.protocol, answer.serverVersion);
    assert.deepEqual([answer.authorized, answer.tls], [true, true]);
  }
});

test("postgres in a page (esbuild, its Cloudflare build with cloudflare:sockets → kvsocket): a query, two transactions, through kvsocket-proxy and its Wisp endpoint", { skip: !PG_BIN && missing('PostgreSQL', 'postgresql'), timeout: 60_000 }, async (t) => {
  const server = await startPostgres();
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'postgres', proxies, port: server.port, build: cloudflareBuild });
  for (const answer of answers) {
    assert.deepEqual(answer, { query: { n: 42, who: 'kv' }, rolledBack: '23505', rows: [{ id: 1, name: 'kept' }] });
  }
});

test('kvsocket/net in a page: proxy unreachable, target denied by the rules, target refused are three errors', { timeout: 60_000 }, async (t) => {
  const [refused, denied, noProxy] = [await freePort(), await freePort(), await freePort()];
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${refused}`]);
  const [perSocket, wisp] = proxies;
  const calls = [
    [`ws://127.0.0.1:${noProxy}/?host={host}&port={port}`, refused], // nothing listens there
    [perSocket, denied], [wisp, denied], // no --allow rule for this port
    [perSocket, refused], [wisp, refused], // allowed, nothing listens there
  ];
  const [unreachable, deniedHere, deniedWisp, refusedHere, refusedWisp] = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'errors', calls });
  assert.equal(unreachable.kvircCode, 'ProxyConnectionRefused');
  assert.equal(unreachable.code, 'ECONNREFUSED');
  assert.match(unreachable.message, new RegExp(`no WebSocket to the proxy at ws://127\\.0\\.0\\.1:${noProxy}/`));
  // The proxy's reason names the rule that is missing.
  assert.equal(deniedHere.kvircCode, 'ProxyDenied');
  assert.equal(deniedHere.code, 'EACCES');
  assert.match(deniedHere.message, new RegExp(`Proxy denied the connection by its rules: target denied: 127\\.0\\.0\\.1:${denied} .*--allow 127\\.0\\.0\\.1:${denied}`));
  assert.deepEqual([deniedWisp.kvircCode, deniedWisp.code], ['ProxyDenied', 'EACCES']);
  for (const r of [refusedHere, refusedWisp]) assert.deepEqual([r.kvircCode, r.code], ['ConnectionRefused', 'ECONNREFUSED'], r.message);
});
