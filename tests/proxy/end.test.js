// The end exchange of TCP tunnels (`?end=1`, docs/proxy-protocol.md): `{"type":"end"}` both ways
// instead of a close on the target's FIN, and a close that tells the client whether its bytes
// reached the target (1000) or not (1011). Clients that do not opt in keep the close on FIN.

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  T, closed, collect, mustOpen, sendChunked, nextJson, nextMessage, proxy, sleep, tcpServer, tcpUrl, waitUntil,
} from './helpers.js';

const END = JSON.stringify({ type: 'end' });
// The page's end after its close(): done reading too (docs/proxy-protocol.md).
const END_CLOSE = JSON.stringify({ type: 'end', read: false });
const endUrl = (p, port) => `${tcpUrl(p, '127.0.0.1', port)}&end=1`;

/** A target that records what each connection sent until that connection's end. */
async function recorder(t, onConnection = () => {}, options = {}) {
  const results = [];
  const server = await tcpServer(t, (sock) => {
    const chunks = [];
    let ended;
    results.push(new Promise((resolve) => (ended = resolve)));
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => ended(Buffer.concat(chunks)));
    onConnection(sock);
  }, options);
  server.results = results;
  return server;
}

test('end=1, the client ends first: its bytes reach the target, then the close is 1000 after the TCP close', T, async (t) => {
  const target = await recorder(t, (sock) => sock.on('end', () => setTimeout(() => sock.end(), 100)), { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, endUrl(p, target.port));
  sendChunked(ws, Buffer.alloc(300_000, 5));
  ws.send(END);
  const t0 = Date.now();
  const { code } = await closed(ws);
  assert.equal(code, 1000);
  assert.ok(Date.now() - t0 >= 90, 'the close waits for the target to end its side');
  assert.equal((await target.results[0]).length, 300_000);
  // The target's own FIN is told too, before the close.
  assert.deepEqual(ws.inbox.map((m) => [m.isBinary, m.data.toString()]), [[false, END]]);
});

test('end=1, the client closes (an end with read:false): close 1000 once the system took its bytes, without waiting for the target', T, async (t) => {
  // The target reads everything and never ends its side, nor answers: the page's close() is
  // done when its bytes are handed over, as in Node's host (the TCP side lingers, 10 s at most).
  const target = await recorder(t, () => {}, { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, endUrl(p, target.port));
  sendChunked(ws, Buffer.alloc(300_000, 5));
  ws.send(END_CLOSE);
  const { code } = await closed(ws);
  assert.equal(code, 1000);
  assert.equal((await target.results[0]).length, 300_000, 'every byte, then our FIN');
  assert.deepEqual(ws.inbox, [], 'nothing from the target');
});

test('end=1, the client closes and the target answers: what it sends after the end is dropped', T, async (t) => {
  // After close() the page is done reading (docs/spec.md): the proxy answers at 'finish' and drops
  // what the target says after that.
  const target = await recorder(t, (sock) => sock.on('end', () => setTimeout(() => sock.end('late'), 50)), { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, endUrl(p, target.port));
  ws.send(Buffer.alloc(1000, 5));
  ws.send(END_CLOSE);
  const { code } = await closed(ws);
  assert.equal(code, 1000);
  assert.equal((await target.results[0]).length, 1000);
  assert.deepEqual(ws.inbox, [], "the target's answer after our end is not delivered");
});

test('end=1, a reset before the target took the bytes: close 1011 with the error code', T, async (t) => {
  // Reads one chunk, stops reading, resets: the rest of the client's bytes never arrive.
  const target = await tcpServer(t, (sock) => {
    sock.once('data', () => {
      sock.pause();
      setTimeout(() => sock.resetAndDestroy(), 200);
    });
  });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, endUrl(p, target.port));
  for (let i = 0; i < 128; i++) ws.send(Buffer.alloc(64 << 10));
  ws.send(END);
  const { code, reason } = await closed(ws);
  assert.equal(code, 1011);
  assert.match(reason, /^(ECONNRESET|EPIPE)$/);
});

test('end=1, the target ends first: {"type":"end"} after its bytes, the open WebSocket still carries the client\'s late bytes, then its end', T, async (t) => {
  const target = await recorder(t, (sock) => sock.end('bye'), { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, endUrl(p, target.port));
  const first = await nextMessage(ws, 'the target\'s bytes');
  assert.equal(first.isBinary, true);
  assert.equal(first.data.toString(), 'bye');
  assert.deepEqual(await nextJson(ws, 'the end message'), { type: 'end' });
  // The client answers after it saw the end: the proxy has not closed, and the bytes go through.
  await sleep(100);
  assert.equal(ws.readyState, ws.OPEN);
  ws.send(Buffer.from('late reply'));
  ws.send(END);
  const { code } = await closed(ws);
  assert.equal(code, 1000);
  assert.equal((await target.results[0]).toString(), 'late reply', 'the late bytes came before the TCP end');
});

test('end=1, the client never answers the target\'s end: closed 1000 after the wait, the TCP side ended', { timeout: 20_000 }, async (t) => {
  const target = await recorder(t, (sock) => sock.end('bye'), { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, endUrl(p, target.port));
  await waitUntil(() => ws.inbox.length === 2, 'the bytes and the end message');
  const { code } = await closed(ws, 15_000);
  assert.equal(code, 1000);
  assert.equal((await target.results[0]).length, 0);
});

test('end=1: a text message other than the end closes with 1003', T, async (t) => {
  const target = await recorder(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, endUrl(p, target.port));
  ws.send(JSON.stringify({ type: 'hello' }));
  assert.equal((await closed(ws)).code, 1003);
});

test('without end=1: the target\'s FIN closes with 1000 at once, and an end message is a protocol error (1003)', T, async (t) => {
  const target = await recorder(t, (sock) => sock.end('bye'), { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const plain = await mustOpen(t, tcpUrl(p, '127.0.0.1', target.port));
  const { data, code } = await collect(plain);
  assert.equal(code, 1000);
  assert.equal(data.toString(), 'bye');
  assert.ok(plain.inbox.every((m) => m.isBinary), 'no text message for a client that did not opt in');

  const silent = await recorder(t);
  const p2 = await proxy(t, { allow: [`127.0.0.1:${silent.port}`] });
  const ws = await mustOpen(t, tcpUrl(p2, '127.0.0.1', silent.port));
  ws.send(END);
  assert.equal((await closed(ws)).code, 1003);
});
