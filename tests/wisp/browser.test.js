// Sockets over Wisp in headless Chromium: the page's sockets share one WebSocket to the
// @mercuryworkshop/wisp-js server (a server we did not write), TCP and UDP streams, refused and
// blocked targets. The test counts the WebSockets the page opened (playwright sees each one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, servePackage } from '../browser/harness.js';
import { startWispJs, echoServer, udpEchoServer, closedPort } from './servers.js';

let browser;
let site;
before(async () => {
  browser = await launchChromium();
  site = await servePackage();
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
});

/** A page with the browser entry loaded as `window.kv`, and the WebSockets it opens. */
async function page(t) {
  const p = await browser.newPage();
  t.after(() => p.close());
  const sockets = [];
  p.on('websocket', (ws) => sockets.push(ws.url()));
  await p.goto(site.url);
  await p.evaluate(async () => { window.kv = await import('/js/browser/index.js'); });
  return { p, sockets };
}

test('100 sockets share one WebSocket, each echoing 1 MiB with a checksum', { timeout: 90_000 }, async (t) => {
  const wisp = await startWispJs();
  const echo = await echoServer();
  t.after(() => Promise.all([wisp.close(), echo.close()]));
  let upgrades = 0;
  wisp.server.on('upgrade', () => { upgrades++; });
  const { p, sockets } = await page(t);
  const results = await p.evaluate(async ({ url, port, n, size }) => {
    // FNV-1a over the bytes, continued chunk by chunk.
    const fnv = (h, bytes) => { for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619) >>> 0; return h; };
    const one = (i) => new Promise((resolve) => {
      const data = new Uint8Array(size);
      let x = (i + 1) * 2654435761 >>> 0;
      for (let j = 0; j < size; j++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; data[j] = x & 0xff; }
      const want = fnv(2166136261, data);
      const s = new window.kv.Socket({ proxy: url });
      let got = 0;
      let h = 2166136261;
      s.connectedEvent = () => s.write(data);
      s.dataAvailableEvent = () => {
        const bytes = s.readBytes();
        h = fnv(h, bytes);
        got += bytes.length;
        if (got >= size) { s.close(); resolve({ ok: h === want, got }); }
      };
      s.errorEvent = (code) => resolve({ ok: false, got, code });
      s.connect('127.0.0.1', port);
    });
    return Promise.all(Array.from({ length: n }, (_, i) => one(i)));
  }, { url: wisp.url, port: echo.port, n: 100, size: 1 << 20 });
  assert.equal(results.length, 100);
  for (const [i, r] of results.entries()) assert.deepEqual(r, { ok: true, got: 1 << 20 }, `socket ${i}`);
  assert.equal(sockets.length, 1, `the page opened ${sockets.length} WebSockets`);
  assert.equal(sockets[0], wisp.url.replace('wisp+', ''));
  assert.equal(upgrades, 1);
});

test('refused, blocked and UDP streams on one page', { timeout: 30_000 }, async (t) => {
  const echo = await echoServer();
  const wisp = await startWispJs({ blockedPorts: [echo.port] });
  const udp = await udpEchoServer();
  const closed = await closedPort();
  t.after(() => Promise.all([wisp.close(), echo.close(), udp.close()]));
  const { p, sockets } = await page(t);
  const out = await p.evaluate(async ({ url, blocked, closed, udpPort }) => {
    const events = (s) => {
      const log = [];
      for (const type of ['connected', 'connectFailed', 'error', 'disconnected']) {
        s.addEventListener(type, (e) => log.push(type === 'error' || type === 'connectFailed' ? `${type}(${e.detail.code})` : type));
      }
      return log;
    };
    const ended = (s) => new Promise((resolve) => s.addEventListener('disconnected', resolve));
    const blockedSock = new window.kv.Socket({ proxy: url });
    const refusedSock = new window.kv.Socket({ proxy: url });
    const logs = [events(blockedSock), events(refusedSock)];
    blockedSock.connect('127.0.0.1', blocked);
    refusedSock.connect('127.0.0.1', closed);
    const u = new window.kv.Socket({ proxy: url, protocol: 'udp' });
    const echoed = new Promise((resolve) => { u.dataAvailableEvent = () => resolve(u.read()); });
    u.connectedEvent = () => u.write('datagram');
    u.connect('127.0.0.1', udpPort);
    await Promise.all([ended(blockedSock), ended(refusedSock)]);
    const listener = new window.kv.Socket({ proxy: url });
    return { logs, udp: await echoed, listen: listener.listen(0), why: listener.lastError() };
  }, { url: wisp.url, blocked: echo.port, closed, udpPort: udp.port });
  assert.deepEqual(out.logs[0], ['connected', 'error(ProxyDenied)', 'disconnected']);
  // wisp-js reports a failed connect as a network error (0x03), after the stream opened.
  assert.deepEqual(out.logs[1], ['connected', 'error(RemoteHostClosed)', 'disconnected']);
  assert.equal(out.udp, 'datagram');
  assert.equal(out.listen, false);
  assert.match(out.why, /listen over Wisp is not possible/);
  assert.equal(sockets.length, 1);
});

test('a dropped WebSocket fails every stream of the page with an error event', { timeout: 30_000 }, async (t) => {
  const wisp = await startWispJs();
  const echo = await echoServer();
  t.after(() => echo.close());
  const { p } = await page(t);
  await p.evaluate(async ({ url, port }) => {
    window.logs = [];
    const up = [];
    for (let i = 0; i < 3; i++) {
      const s = new window.kv.Socket({ proxy: url });
      const log = [];
      window.logs.push(log);
      s.addEventListener('error', (e) => log.push(`error(${e.detail.code})`));
      s.addEventListener('disconnected', (e) => log.push(`disconnected(${e.detail.error})`));
      up.push(new Promise((resolve) => { s.connectedEvent = resolve; }));
      s.connect('127.0.0.1', port);
    }
    await Promise.all(up);
  }, { url: wisp.url, port: echo.port });
  await wisp.close(); // the server side of the one WebSocket goes away
  await p.waitForFunction(() => window.logs.every((l) => l.length === 2), null, { timeout: 10_000 });
  const logs = await p.evaluate(() => window.logs);
  for (const log of logs) assert.deepEqual(log, ['error(ProxyConnectionClosed)', 'disconnected(Proxy closed the connection)']);
});
