// A Wisp WebSocket with no stream is closed (issue 18, 6): it holds a client connection (and a
// place under --max-connections and --max-per-client) for nothing, so 512 of them locked every
// client out. --idle-timeout after its open or its last stream's end (1011 ETIMEDOUT), and for
// a v2 client that never sends its INFO, --handshake-timeout (1002).

import test from 'node:test';
import assert from 'node:assert/strict';
import { T, closed, echoServer, mustOpen, proxy, sleep, waitUntil } from './helpers.js';
import { TYPE, wispSession } from './wisp-client.js';

const IDLE = 500;

test('a v1 Wisp WebSocket that opens no stream is closed after --idle-timeout with 1011 ETIMEDOUT', T, async (t) => {
  const p = await proxy(t, { idleTimeout: IDLE });
  const ws = await mustOpen(t, `${p.url}wisp/`, { protocols: [] });
  const opened = Date.now();
  const c = await closed(ws, 3000);
  assert.deepEqual(c, { code: 1011, reason: 'ETIMEDOUT' });
  assert.ok(Date.now() - opened >= IDLE - 50, 'not before the timeout');
});

test('a v2 Wisp WebSocket that never sends its INFO is closed after --handshake-timeout with 1002', T, async (t) => {
  const p = await proxy(t, { idleTimeout: 0, handshakeTimeout: IDLE });
  const ws = await mustOpen(t, `${p.url}wisp/`, { protocols: ['wisp-v2'] });
  const c = await closed(ws, 3000);
  assert.equal(c.code, 1002);
  assert.match(c.reason, /INFO/);
});

test('a Wisp WebSocket stays open while a stream carries bytes, and closes --idle-timeout after its last stream ended', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], idleTimeout: IDLE });
  const w = await wispSession(t, p);
  w.connect(1, '127.0.0.1', echo.port);
  await w.opened(1);
  for (let i = 0; i < 10; i++) {
    w.data(1, 'ping');
    await sleep(IDLE / 5);
  }
  assert.equal(w.ws.readyState, w.ws.OPEN, 'open for twice the timeout while the stream is busy');
  await waitUntil(() => w.dataOf(1).length === 40, 'the echoes');
  w.close(1);
  const ended = Date.now();
  const c = await closed(w.ws, 3000);
  assert.deepEqual(c, { code: 1011, reason: 'ETIMEDOUT' });
  assert.ok(Date.now() - ended >= IDLE - 50, 'not before the timeout');
  assert.ok(!w.packets.some((x) => x.type === TYPE.CLOSE && x.stream === 1), 'the stream was the client\'s to close');
});
