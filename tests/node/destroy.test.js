// destroy() and Symbol.dispose (docs/spec.md "Construction and lifetime").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Socket, T, cleanup, connectOutcome, connectedPair, listenPort, record, sleep, tcpServer, waitUntil, withTimeout } from './helpers.js';

/** Asserts every method returns its failure value, as docs/spec.md says for a destroyed socket. */
function assertInert(sock) {
  assert.equal(sock.status(), 0);
  assert.equal(sock.status(true), 'Unconnected');
  assert.equal(sock.connect('127.0.0.1', 80), false);
  assert.equal(sock.listen(0, '127.0.0.1'), false);
  assert.equal(sock.write('x'), 0);
  assert.equal(sock.write(new Uint8Array(3)), 0);
  assert.equal(sock.writeHex('00'), 0);
  assert.equal(sock.read(), '');
  const bytes = sock.readBytes();
  assert.ok(bytes instanceof Uint8Array);
  assert.equal(bytes.length, 0);
  assert.equal(sock.readHex(), '');
  assert.equal(sock.bytesAvailable(), 0);
  assert.equal(sock.remoteIp(), '');
  assert.equal(sock.remotePort(), 0);
  assert.equal(sock.localIp(), '');
  assert.equal(sock.localPort(), 0);
  assert.equal(sock.setProtocol('udp'), false);
  const other = new Socket();
  assert.equal(sock.accept(other), false);
  other.destroy();
  assert.equal(sock.close(), undefined);
  assert.equal(sock.bufferedAmount(), 0);
}

test('destroy() inside dataAvailableEvent: no further event, the peer sees the end', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  let inside;
  sock.dataAvailableEvent = () => {
    sock.destroy();
    try { assertInert(sock); inside = 'ok'; } catch (e) { inside = e; }
  };
  const count = () => log.length;
  peer.write('trigger');
  await waitUntil(() => inside !== undefined, 3000, 'dataAvailableEvent');
  if (inside !== 'ok') throw inside;
  const before = count();
  await withTimeout(peer.received.ended, 3000, 'the peer to see the connection end');
  peer.write('more');
  await sleep(100);
  assert.equal(count(), before, `no event after destroy(): ${log.labels().slice(before)}`);
  assert.equal(log.of('disconnected').length, 0, 'never disconnected after destroy()');
  assertInert(sock);
});

test('destroy() is idempotent and safe on a fresh socket', T, () => {
  const sock = new Socket();
  sock.destroy();
  sock.destroy();
  assertInert(sock);
  sock.destroy();
});

test('destroy() on a connected socket aborts without flushing and without events', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  const before = log.length;
  peer.pause();
  sock.write(new Uint8Array(16 * 1024 * 1024));
  sock.destroy();
  assertInert(sock);
  peer.resume();
  await withTimeout(peer.received.ended, 5000, 'the peer to see the abort');
  assert.ok(peer.received.size < 16 * 1024 * 1024, 'pending output is not flushed');
  await sleep(50);
  assert.equal(log.length, before);
});

test('destroy() while Connecting: no event at all', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const log = record(sock);
  sock.connect('127.0.0.1', server.port);
  sock.destroy();
  await sleep(200);
  assert.deepEqual(log.labels(), []);
  assertInert(sock);
});

test('destroy() stops listening: the port refuses connections', T, async (t) => {
  const sock = cleanup(t)(new Socket());
  assert.equal(sock.listen(0, '127.0.0.1'), true);
  const port = await listenPort(sock);
  sock.destroy();
  assertInert(sock);
  await sleep(50);
  assert.equal(await connectOutcome(port), 'ECONNREFUSED');
});

test('destroy() inside incomingConnectionEvent on the listener', T, async (t) => {
  const server = cleanup(t)(new Socket());
  const log = record(server);
  let destroyedInside = false;
  server.incomingConnectionEvent = () => { server.destroy(); destroyedInside = true; };
  assert.equal(server.listen(0, '127.0.0.1'), true);
  const c = net.connect(await listenPort(server), '127.0.0.1');
  t.after(() => c.destroy());
  c.on('error', () => {});
  await waitUntil(() => destroyedInside, 3000, 'incomingConnectionEvent');
  const before = log.length;
  await sleep(100);
  assert.equal(log.length, before);
  assertInert(server);
});

test('socket[Symbol.dispose]() destroys it; `using` scope works where supported', T, async (t) => {
  if (typeof Symbol.dispose !== 'symbol') return t.skip('Symbol.dispose is not available');
  const { sock, peer, log } = await connectedPair(t);
  assert.equal(typeof sock[Symbol.dispose], 'function');
  const before = log.length;
  sock[Symbol.dispose]();
  assertInert(sock);
  await withTimeout(peer.received.ended, 3000, 'the peer to see the end');
  await sleep(50);
  assert.equal(log.length, before);
});

for (const [method, type] of [['stateChangedEvent', 'stateChanged'], ['connectedEvent', 'connected']]) {
  test(`destroy() inside ${method}: no event after it, not even that event's DOM dispatch`, T, async (t) => {
    const track = cleanup(t);
    const server = track(await tcpServer());
    const sock = track(new Socket());
    const log = record(sock);
    let called = 0;
    let before = -1;
    sock[method] = () => { called++; before = log.length; sock.destroy(); };
    sock.connect('127.0.0.1', server.port);
    await waitUntil(() => called > 0, 3000, method);
    await sleep(100);
    assert.equal(called, 1);
    assert.deepEqual(log.labels().slice(before), [], `events after destroy(): ${log.labels().slice(before)}`);
    if (type === 'connected') assert.equal(log.of(type).length, 0);
    assertInert(sock);
  });
}

test('after destroy() the engine answers: protocol tcp, no timeouts, inspect() says destroyed, lastError() stays', T, () => {
  const sock = new Socket({ protocol: 'udp', connectTimeout: 5000, idleTimeout: 3000 });
  assert.equal(sock.protocol(), 'udp');
  sock.destroy();
  assert.equal(sock.protocol(), 'tcp');
  assert.equal(sock.connectTimeout(), 0);
  assert.equal(sock.idleTimeout(), 0);
  sock.setConnectTimeout(1000);
  sock.setIdleTimeout(1000);
  assert.equal(sock.connectTimeout(), 0);
  assert.equal(sock.idleTimeout(), 0);
  assert.equal(sock.connect('127.0.0.1', 80), false);
  assert.equal(sock.lastError(), 'the socket was destroyed');
  assert.deepEqual(sock.inspect(), {
    status: 'Unconnected', protocol: 'tcp', remoteIp: '', remotePort: 0, localIp: '', localPort: 0,
    bytesAvailable: 0, bufferedAmount: 0, needsDrain: false, idleTimeout: 0,
    lastError: 'the socket was destroyed', destroyed: true,
  });
  // Another destroyed socket answers the same (they share one destroyed engine).
  const other = new Socket();
  other.destroy();
  assert.deepEqual(other.inspect(), sock.inspect());
});
