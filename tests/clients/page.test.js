// Node clients, unmodified, in a Chromium page over kvsocket/net: each page (tests/clients/page/)
// is bundled with the `net` → kvsocket/net alias of docs/net.md and talks to a real server on
// 127.0.0.1 through a real kvsocket-proxy, per socket (its {host}/{port} template) and through
// its Wisp endpoint (/wisp/). pg (a query, transactions, a 2.5 MB COPY) with esbuild, Vite and
// webpack; README's pg example, mqtt (a QoS 1 round trip), ioredis (a pipeline, pub/sub) and
// the three connect failures with esbuild; and `postgres`'s Cloudflare build over kvsocket's
// connect() (`cloudflare:sockets` → kvsocket, docs/connect.md) with esbuild.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { startProxy } from 'kvsocket/proxy';
import { launchChromium, serveFolder } from '../browser/harness.js';
import { BUNDLERS, appFolder, cloudflareBuild, mailBuild, pageSize, tlsBuild } from './page/bundlers.js';
import { makeCerts } from '../tls/servers.js';
import { AIOSMTPD_PYTHON, PG_BIN, MOSQUITTO, NGIRCD, REDIS, mailsIn, missing, startNgircd, startPostgres, startMosquitto, startRedis, startSmtp } from './servers.js';
import irc from 'irc-framework';
import { freePort } from '../ports.js';


/** Builds `name`.js with `bundler`, opens it in Chromium, and returns run(proxy, port)'s
 * answer for each proxy URL (or each [proxy, port] of `calls`); the page must throw no error.
 * `expose`: functions of this process the page may call (window[name], Playwright bindings).
 * `tls`: whether the page opens a TLS socket, and so fetches kvsocket's TLS module, a chunk of
 * its own (checked where the chunks' names say which they are: esbuild's and Vite's).
 * Prints the JavaScript the build wrote, minified and gzipped, file by file. */
async function runPage(t, browser, site, dir, { bundler, name, proxies, port, calls = proxies.map((p) => [p, port]), build = BUNDLERS[bundler], expose = {}, tls = false }) {
  const out = path.join(dir, 'dist', `${name}-${bundler}`);
  await build(path.join(dir, 'src', `${name}.js`), out);
  const tab = await browser.newPage();
  const errors = [];
  // An error thrown in the page outside run() (a callback of the client's) fails the call now,
  // rather than leaving it waiting for the test's timeout.
  const failed = new Promise((_, reject) => tab.on('pageerror', (e) => { errors.push(e.message); reject(e); }));
  failed.catch(() => {});
  for (const [fn, body] of Object.entries(expose)) await tab.exposeFunction(fn, body);
  const fetched = [];
  tab.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  const html = bundler === 'Vite' ? `${name}.html` : 'index.html';
  await tab.goto(`${site.url}/${path.basename(out)}/${html}`);
  await tab.waitForFunction(() => typeof window.run === 'function', null, { timeout: 10_000 });
  const answers = [];
  for (const call of calls) answers.push(await Promise.race([tab.evaluate(([p, n]) => window.run(p, n), call), failed]));
  await tab.close();
  assert.deepEqual(errors, []);
  const files = pageSize(out);
  const tlsChunks = files.filter((f) => path.basename(f.file).startsWith('kvsocket_tls'));
  if (tlsChunks.length) {
    const fetchedTls = tlsChunks.filter((f) => fetched.some((p) => p.endsWith(`/${f.file}`)));
    assert.equal(fetchedTls.length, tls ? tlsChunks.length : 0, `the TLS module's chunks are fetched ${tls ? 'by' : 'only by'} a page with a TLS socket`);
  }
  t.diagnostic(`${name} page by ${bundler}: ${files.map((f) => `${f.file} ${f.bytes} B (${f.gzipped} B gzipped)`).join(', ')}`);
  return answers;
}

const { Client: IrcClient } = irc;

/** Resolves with the first `event` of `emitter` that passes `test`. */
const waitFor = (emitter, event, test = () => true) => new Promise((resolve) => {
  const on = (e) => { if (test(e)) { emitter.off(event, on); resolve(e); } };
  emitter.on(event, on);
});

async function setup(t, allow) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kvsocket-pages-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const proxy = await startProxy({ allow, log: () => {} });
  t.after(() => proxy.close());
  appFolder(dir);
  const site = await serveFolder(path.join(dir, 'dist'));
  t.after(() => site.server.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const proxies = [`${proxy.url}?host={host}&port={port}`, `wisp+ws://127.0.0.1:${proxy.port}/wisp/`];
  return { dir, site, browser, proxies };
}

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

test('mqtt in a page (esbuild): a QoS 1 round trip through kvsocket-proxy and its Wisp endpoint', { skip: !MOSQUITTO && missing('mosquitto', 'mosquitto'), timeout: 60_000 }, async (t) => {
  const server = await startMosquitto();
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'mqtt', proxies, port: server.port });
  for (const answer of answers) {
    assert.deepEqual(answer, { returnCode: 0, granted: [1], acked: true, got: { topic: 'kvsocket/kitchen/temp', text: 'ÿ€ 21.5', qos: 1 } });
  }
});

test('ioredis in a page (esbuild): SET/GET, a pipeline, pub/sub through kvsocket-proxy and its Wisp endpoint', { skip: !REDIS && missing('redis-server', 'redis-server'), timeout: 60_000 }, async (t) => {
  const server = await startRedis();
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'ioredis', proxies, port: server.port });
  assert.deepEqual(answers[0], { get: 'ÿ€ page', pipeline: [null, 500], receivers: 1, message: ['kv:chan', 'hello from a page'] });
  assert.deepEqual(answers[1], { get: 'ÿ€ page', pipeline: [null, 1000], receivers: 1, message: ['kv:chan', 'hello from a page'] });
});

// irc-framework's transport asks `instanceof tls.TLSSocket` of every socket: `tls` is kvsocket/tls.
test('irc-framework in a page (esbuild, `tls` → kvsocket/tls): register, join, a message from a second client (Node) through kvsocket-proxy and its Wisp endpoint', { skip: !NGIRCD && missing('ngircd', 'ngircd'), timeout: 60_000 }, async (t) => {
  const server = await startNgircd();
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  // The second client: irc-framework in this process, over node:net.
  const bob = new IrcClient({ host: '127.0.0.1', port: server.port, nick: 'bob', username: 'bob', gecos: 'kvsocket test', auto_reconnect: false });
  const registered = waitFor(bob, 'registered');
  bob.connect();
  t.after(() => bob.quit());
  await registered;
  const line = 'hello page, ÿ€ from Node';
  // The page calls this once it has joined `channel`: bob joins and says `line` there.
  const secondClient = async (channel) => {
    const joined = waitFor(bob, 'join', (e) => e.nick === 'bob' && e.channel === channel);
    bob.join(channel);
    await joined;
    bob.say(channel, line);
    return 'bob';
  };
  const calls = proxies.map((p, i) => [p, { port: server.port, nick: `page${i}`, channel: `#page${i}` }]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'irc', calls, build: tlsBuild, expose: { secondClient } });
  answers.forEach((answer, i) => {
    assert.deepEqual(answer, { registered: `page${i}`, kvsocket: true, message: { from: 'bob', message: line, second: 'bob' }, cleanEnd: true });
  });
});

test('nodemailer in a page (esbuild, `tls` → kvsocket/tls, shims for crypto, os, url): a mail through aiosmtpd with STARTTLS required, TLS in the page, through kvsocket-proxy and its Wisp endpoint', { skip: !AIOSMTPD_PYTHON && 'aiosmtpd is not installed (scripts/setup.sh)', timeout: 60_000 }, async (t) => {
  const certs = makeCerts();
  t.after(() => certs.remove());
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'kvsocket-maildir-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const maildir = path.join(scratch, 'mail');
  const server = await startSmtp({ cert: certs.file('server.pem'), key: certs.file('server.key') }, maildir);
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  const text = (i) => `Mail ${i} from a page by nodemailer over kvsocket/tls: ÿ€ and a long enough line to be sure.`;
  const calls = proxies.map((p, i) => [p, { port: server.port, ca: certs.ca, text: text(i) }]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'nodemailer', calls, build: mailBuild, tls: true });
  for (const answer of answers) {
    assert.deepEqual({ ...answer, protocol: undefined }, { accepted: ['you@kvsocket.test'], sockets: 1, upgrades: 1, overTheSocket: true, tls: true, authorized: true, protocol: undefined });
    assert.match(answer.protocol, /^TLSv1\.[23]$/);
  }
  // aiosmtpd refuses MAIL FROM before STARTTLS: the mails it kept came over TLS.
  const bodies = mailsIn(maildir).map((m) => (m.headers.match(/^Subject: kvsocket STARTTLS in a page$/m) ? m.body.trim() : m.headers)).sort();
  assert.deepEqual(bodies, [text(0), text(1)]);
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
