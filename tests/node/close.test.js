// close(): flushing, the Closing status, abandoning an attempt, stopping a listener, reuse
// (docs/spec.md "Functions": close).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Socket, T, cleanup, connectOutcome, connectedPair, freePort, listenPort, once, pseudoRandomBytes, record, sha256, sleep, tcpServer,
} from './helpers.js';

test('close() flushes 8 MiB before closing; the peer gets every byte (sha256)', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  const data = pseudoRandomBytes(8 * 1024 * 1024, 42);
  assert.equal(sock.write(data), data.length);
  const disconnected = once(sock, 'disconnected', 9000);
  assert.equal(sock.close(), undefined);
  assert.equal(sock.status(true), 'Closing', 'status while flushing');
  await peer.received.ended;
  assert.equal(peer.received.size, data.length);
  assert.equal(sha256(peer.received.buffer), sha256(data));
  assert.equal((await disconnected).detail.error, '');
  await sleep(100);
  assert.equal(log.of('disconnected').length, 1, 'disconnected exactly once');
  assert.deepEqual(log.labels((e) => e.type === 'stateChanged').slice(-2), ['stateChanged(Closing)', 'stateChanged(Unconnected)']);
  assert.equal(log.of('error').length, 0);
  assert.equal(sock.status(), 0);
});

// issue 19, item 7: net takes these bytes into the kernel during write() (nothing is buffered),
// yet close() in the same turn is a last attempt to flush, as in the browser: Closing until net
// confirms them (its end() finished), then Unconnected; the peer gets every byte.
for (const size of [1024 * 1024, 100]) {
  test(`write(${size} B) then close() in the same turn: Closing, then Unconnected; the peer gets it all`, T, async (t) => {
    const { sock, peer, log } = await connectedPair(t);
    const data = pseudoRandomBytes(size, 7);
    assert.equal(sock.write(data), size);
    sock.close();
    assert.equal(sock.status(true), 'Closing');
    await log.until('disconnected');
    await peer.received.ended;
    assert.equal(sha256(peer.received.buffer), sha256(data));
    assert.deepEqual(log.labels().slice(-3), ['stateChanged(Closing)', 'stateChanged(Unconnected)', 'disconnected("")']);
    assert.equal(log.of('error').length, 0);
  });
}

test('write() in one turn, close() in a later one with nothing buffered: Unconnected at once', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  assert.equal(sock.write('abc'), 3);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sock.bufferedAmount(), 0);
  sock.close();
  assert.equal(sock.status(true), 'Unconnected');
  await peer.received.ended;
  assert.equal(peer.received.buffer.toString(), 'abc');
  assert.ok(!log.labels().includes('stateChanged(Closing)'), log.labels().join(' '));
});

test('close() with nothing pending ends the connection: disconnected("") once, peer sees end', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  const calls = [];
  sock.disconnectEvent = (error) => calls.push(error);
  sock.close();
  await peer.received.ended;
  await log.until('disconnected');
  await sleep(100);
  assert.deepEqual(calls, ['']);
  assert.deepEqual(log.labels((e) => e.type === 'disconnected'), ['disconnected("")']);
  assert.equal(log.labels().at(-1), 'disconnected("")');
  assert.equal(log.labels().at(-2), 'stateChanged(Unconnected)');
  assert.equal(sock.status(), 0);
  assert.equal(sock.remoteIp(), '');
  assert.equal(sock.remotePort(), 0);
});

test('close() during Connecting abandons the attempt: no connectFailed, no connected', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const log = record(sock);
  assert.equal(sock.connect('127.0.0.1', server.port), true);
  sock.close();
  assert.equal(sock.status(), 0);
  await sleep(200);
  const labels = log.labels();
  for (const type of ['connectFailed', 'error', 'connected', 'disconnected']) {
    assert.ok(!log.of(type).length, `no ${type}: ${labels}`);
  }
  assert.equal(sock.status(), 0);
});

test('close() during HostLookUp abandons the attempt', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const log = record(sock);
  assert.equal(sock.connect('localhost', server.port), true);
  assert.equal(sock.status(true), 'HostLookUp');
  sock.close();
  assert.equal(sock.status(), 0);
  await sleep(200);
  for (const type of ['connectFailed', 'error', 'connected', 'disconnected', 'hostFound']) {
    assert.ok(!log.of(type).length, `no ${type}: ${log.labels()}`);
  }
  assert.equal(sock.status(), 0);
});

test('close() on an Unconnected socket does nothing', T, async (t) => {
  const sock = cleanup(t)(new Socket());
  const log = record(sock);
  assert.equal(sock.close(), undefined);
  await sleep(50);
  assert.deepEqual(log.labels(), []);
  assert.equal(sock.status(), 0);
});

test('close() stops a listener: the port refuses connections afterwards', T, async (t) => {
  const sock = cleanup(t)(new Socket());
  assert.equal(sock.listen(0, '127.0.0.1'), true);
  const port = await listenPort(sock);
  sock.close();
  assert.equal(sock.status(), 0);
  await sleep(50);
  assert.equal(await connectOutcome(port), 'ECONNREFUSED');
});

test('the socket is reusable after close(): connect again, then listen', T, async (t) => {
  const { sock, server } = await connectedPair(t);
  const disconnected = once(sock, 'disconnected');
  sock.close();
  await disconnected;
  assert.equal(sock.status(), 0);

  const connected = once(sock, 'connected');
  assert.equal(sock.connect('127.0.0.1', server.port), true);
  await connected;
  const peer = await server.next();
  sock.write('again');
  await peer.received.waitBytes(5);
  assert.equal(peer.received.text, 'again');
  const disconnected2 = once(sock, 'disconnected');
  sock.close();
  await disconnected2;

  assert.equal(sock.listen(0, '127.0.0.1'), true);
  assert.equal(sock.status(true), 'Listening');
  sock.close();
  assert.equal(sock.connect('127.0.0.1', await freePort()), true);
  await once(sock, 'connectFailed');
});
