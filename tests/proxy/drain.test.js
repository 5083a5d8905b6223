// Graceful restarts (issue 22): on SIGTERM the bin stops accepting at once, lets the tunnels
// already open run for up to --drain-timeout (a transfer that ends within it arrives whole,
// checked by SHA-256), then closes those still open with 1001 'shutdown', which kvsocket's
// browser host reports as ProxyConnectionClosed, and exits 0.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { T, WebSocket, closed, collect, echoServer, mustOpen, openWs, proxy, tcpServer, tcpUrl, waitUntil, withTimeout } from './helpers.js';
import { get } from './scrape.js';
import { startBin } from './bin.js';

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

test('SIGTERM: no new connections, a transfer under way arrives whole, an idle tunnel gets 1001 shutdown at the drain timeout', { timeout: 20_000 }, async (t) => {
  // 12 MiB, sent in 1 MiB pieces 60 ms apart: about 0.7 s, well within the drain.
  const payload = randomBytes(12 << 20);
  const slow = await tcpServer(t, (sock) => {
    let at = 0;
    const next = () => {
      if (sock.destroyed) return;
      if (at >= payload.length) return sock.end();
      sock.write(payload.subarray(at, at + (1 << 20)));
      at += 1 << 20;
      setTimeout(next, 60);
    };
    next();
  });
  const echo = await echoServer(t);
  const bin = await startBin(t, ['--allow', `127.0.0.1:${slow.port}`, '--allow', `127.0.0.1:${echo.port}`,
    '--drain-timeout', '2000', '--metrics', '127.0.0.1:0']);
  const idle = await mustOpen(t, tcpUrl(bin, '127.0.0.1', echo.port));
  const transfer = await mustOpen(t, tcpUrl(bin, '127.0.0.1', slow.port));
  await waitUntil(() => transfer.inbox.length > 0, 'the first bytes');

  const termAt = Date.now();
  bin.child.kill('SIGTERM');
  await waitUntil(() => /draining/.test(bin.stderr()), 'the drain to start');
  // The listener is closed: a new client is refused by the system, so a load balancer moves on.
  await assert.rejects(openWs(t, tcpUrl(bin, '127.0.0.1', echo.port)), /ECONNREFUSED/);
  assert.equal((await get(bin.metricsUrl.replace('/metrics', '/healthz'))).status, 503, '/healthz says draining');
  // The idle tunnel still works during the drain.
  idle.send(Buffer.from('still here'));
  await waitUntil(() => idle.inbox.length > 0, 'the echo during the drain');

  const got = await collect(transfer, 10_000);
  assert.equal(got.code, 1000, 'the target ended it: a clean close');
  assert.equal(got.data.length, payload.length);
  assert.equal(sha256(got.data), sha256(payload), 'every byte, in order');

  const end = await closed(idle, 10_000);
  assert.deepEqual(end, { code: 1001, reason: 'shutdown' });
  const waited = Date.now() - termAt;
  assert.ok(waited >= 1900 && waited < 6000, `closed at the drain timeout (${waited} ms)`);
  assert.equal(await withTimeout(bin.exited, 5000, 'the bin to exit'), 0);
});

test('a drain with nothing open ends at once; a second SIGTERM stops at once', T, async (t) => {
  const echo = await echoServer(t);
  const quiet = await startBin(t, ['--allow', `127.0.0.1:${echo.port}`, '--drain-timeout', '60000']);
  const at = Date.now();
  quiet.child.kill('SIGTERM');
  assert.equal(await withTimeout(quiet.exited, 3000, 'the bin to exit'), 0);
  assert.ok(Date.now() - at < 2000);

  const busy = await startBin(t, ['--allow', `127.0.0.1:${echo.port}`, '--drain-timeout', '60000']);
  const ws = await mustOpen(t, tcpUrl(busy, '127.0.0.1', echo.port));
  busy.child.kill('SIGTERM');
  await waitUntil(() => /draining/.test(busy.stderr()), 'the drain to start');
  busy.child.kill('SIGTERM');
  assert.equal(await withTimeout(busy.exited, 3000, 'the bin to exit'), 0);
  assert.notEqual((await closed(ws)).code, 1000);
});

test("kvsocket's browser host reports a drained tunnel as ProxyConnectionClosed", T, async (t) => {
  // The browser entry, run in Node with ws as its WebSocket (the one a page has).
  const saved = globalThis.WebSocket;
  globalThis.WebSocket = WebSocket;
  t.after(() => {
    globalThis.WebSocket = saved;
  });
  const { Socket } = await import('../../js/browser/index.js');
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`] });
  const sock = new Socket({ proxy: `${p.url}?host={host}&port={port}` });
  const events = [];
  sock.errorEvent = (code) => events.push(`error ${code}`);
  sock.disconnectEvent = (message) => events.push(`disconnected ${message}`);
  const connected = new Promise((resolve) => {
    sock.connectedEvent = resolve;
  });
  sock.connect('127.0.0.1', echo.port);
  await withTimeout(connected, 5000, 'connected');
  await p.drain(50);
  await waitUntil(() => events.length === 2, 'the error and the disconnect');
  assert.equal(events[0], 'error ProxyConnectionClosed');
  assert.match(events[1], /^disconnected /);
});
