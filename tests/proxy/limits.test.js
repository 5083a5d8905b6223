// The proxy's bounds under its defaults and options: client connections in all and per address
// (half-sent handshakes included), the handshake deadline, the idle timeout, a listener's
// unclaimed connections, and the message size.

import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DEFAULTS } from '../../js/proxy/limits.js';
import { USAGE } from '../../js/proxy/args.js';
import {
  T, closed, echoServer, mustOpen, nextJson, openWs, proxy, sleep, tcpServer, tcpUrl, waitUntil, withTimeout,
} from './helpers.js';

/** A raw TCP connection to the proxy that sends half a handshake and waits. */
async function halfHandshake(t, p, localAddress = '127.0.0.1') {
  const sock = net.connect({ host: '127.0.0.1', port: p.port, localAddress });
  t.after(() => sock.destroy());
  sock.on('error', () => {});
  sock.closedAt = new Promise((resolve) => sock.once('close', () => resolve(Date.now())));
  sock.answer = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => (sock.answer += d));
  await new Promise((resolve) => sock.once('connect', resolve));
  sock.write('GET /?host=127.0.0.1&port=1 HTTP/1.1\r\nHost: x\r\n');
  return sock;
}

test('--help shows every default', () => {
  for (const [key, value] of Object.entries(DEFAULTS)) {
    if (key === 'claimTimeout') continue; // no CLI option
    assert.ok(USAGE.includes(`(default ${value})`), `${key} = ${value}`);
  }
});

test('the default message limit is sized for sockets: a 1 MiB message closes with 1009', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  ws.send(Buffer.alloc(DEFAULTS.maxFrame));
  ws.send(Buffer.alloc(1 << 20));
  assert.equal((await closed(ws)).code, 1009);
});

test('half-sent handshakes count against --max-connections and are dropped at the handshake deadline', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], maxConnections: 2, handshakeTimeout: 300 });
  const t0 = Date.now();
  const a = await halfHandshake(t, p);
  await halfHandshake(t, p);
  await waitUntil(() => p.stats.clients === 2, 'two clients counted');
  const third = await openWs(t, tcpUrl(p, '127.0.0.1', echo.port));
  assert.equal(third.refused?.status, 503);
  assert.match(third.refused.body, /too many connections \(max 2\)/);
  const at = await withTimeout(a.closedAt, 3000, 'the half-sent handshake to be dropped');
  assert.ok(at - t0 >= 250, `dropped after ${at - t0} ms`);
  await waitUntil(() => p.stats.clients === 0, 'both dropped');
  await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  assert.equal(echo.accepts, 1);
});

test('--max-per-client caps one client address, not the others', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], maxPerClient: 2 });
  const url = tcpUrl(p, '127.0.0.1', echo.port);
  await mustOpen(t, url);
  await halfHandshake(t, p);
  const r = await openWs(t, url);
  assert.equal(r.refused?.status, 503);
  assert.match(r.refused.body, /too many connections from 127\.0\.0\.1 \(max 2\)/);
  await mustOpen(t, url, { localAddress: '127.0.0.2' }); // another client on this machine
});

test('--idle-timeout closes a tunnel that carries nothing, with 1011 ETIMEDOUT; traffic keeps it open', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], idleTimeout: 300 });
  const busy = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  const idle = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  const timer = setInterval(() => busy.send(Buffer.from('.')), 100);
  t.after(() => clearInterval(timer));
  const c = await closed(idle, 3000);
  assert.deepEqual([c.code, c.reason], [1011, 'ETIMEDOUT']);
  await sleep(300);
  assert.equal(busy.readyState, busy.OPEN, 'a tunnel with traffic stays');
  await waitUntil(() => p.stats.active === 1, 'the idle slot to be given back');
});

test('--idle-timeout closes an idle UDP session', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:0'], idleTimeout: 200 });
  const ws = await mustOpen(t, `${p.url}?udp=1&listen=0&iface=127.0.0.1`);
  assert.equal((await nextJson(ws)).type, 'listening');
  assert.deepEqual(Object.values(await closed(ws, 3000)), [1011, 'ETIMEDOUT']);
});

test('--max-pending: a listener holds that many unclaimed connections, and closes the next at once', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:0'], maxPending: 2 });
  const control = await mustOpen(t, `${p.url}?listen=0&iface=127.0.0.1`);
  const { port } = await nextJson(control);
  const peers = [];
  for (let i = 0; i < 3; i++) {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    s.closedYet = false;
    s.on('close', () => (s.closedYet = true));
    t.after(() => s.destroy());
    peers.push(s);
    await new Promise((resolve) => s.once('connect', resolve));
    if (i < 2) assert.equal((await nextJson(control)).type, 'incoming');
  }
  await waitUntil(() => peers[2].closedYet, 'the third connection to be closed');
  assert.equal(peers[0].closedYet || peers[1].closedYet, false);
  assert.match(p.lines.join('\n'), /2 connections already wait to be claimed/);
  assert.equal(control.inbox.length, 0, 'the third was not announced');
});

test('stats.clients counts connections to the proxy and returns to 0', T, async (t) => {
  const server = await tcpServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${server.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', server.port));
  assert.equal(p.stats.clients, 1);
  ws.close();
  await waitUntil(() => p.stats.clients === 0 && p.stats.active === 0, 'everything given back');
});
