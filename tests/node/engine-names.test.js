// The error names and states the promise, stream and Direct Sockets layers report are the
// engine's (src/engine/: lastErrorCode, overCode, the error event's `fatal`, isOver,
// attemptPending, bindDone), not made up in JS: against real servers on 127.0.0.1.
import test from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Socket, TCPSocket, connect } from 'kvsocket';
import { T, cleanup, connectedPair, freePort, once, tcpServer, withTimeout } from './helpers.js';

test('lastErrorCode: empty, then a refused call UnknownSocket, a failure its own code', T, async (t) => {
  const sock = cleanup(t)(new Socket());
  assert.equal(sock.lastErrorCode(), '');
  assert.equal(sock.write('x'), 0);
  assert.equal(sock.lastErrorCode(), 'UnknownSocket', 'a socket that never connected');
  assert.equal(sock.connect('127.0.0.1', 0), false);
  assert.equal(sock.lastErrorCode(), 'UnknownSocket');
  assert.equal(sock.connect('127.0.0.1', await freePort()), true);
  await once(sock, 'connectFailed');
  assert.equal(sock.lastErrorCode(), 'ConnectionRefused');
  sock.destroy();
  assert.equal(sock.lastErrorCode(), 'UnknownSocket');
});

test('a write after the peer closed: RemoteHostClosed, the engine\'s name for a connection over', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  peer.end();
  await once(sock, 'disconnected');
  assert.equal(sock.write('late'), 0);
  assert.equal(sock.lastErrorCode(), 'RemoteHostClosed');
  assert.equal(sock.lastError(), 'write needs status Connecting or Connected, the socket is Unconnected');
});

test('Socket.connect / Socket.listen refused: the rejection has the engine\'s name and text', T, async () => {
  await assert.rejects(Socket.connect('127.0.0.1', 70000), (err) => {
    assert.equal(err.name, 'SocketError');
    assert.equal(err.code, 'UnknownSocket');
    assert.match(err.message, /port must be an integer from 1 to 65535/);
    return true;
  });
  await assert.rejects(Socket.listen(0, 'not-an-ip'), { name: 'SocketError', code: 'UnknownSocket', message: /invalid interface/ });
  await assert.rejects(Socket.connect('127.0.0.1', await freePort()), { name: 'SocketError', code: 'ConnectionRefused' });
});

test('connected() after the connection ended cleanly rejects RemoteHostClosed; before any, UnknownSocket', T, async (t) => {
  const fresh = cleanup(t)(new Socket());
  await assert.rejects(fresh.connected(), { code: 'UnknownSocket', message: /connected\(\): the socket is Unconnected/ });
  const { sock, peer } = await connectedPair(t);
  peer.end();
  await once(sock, 'disconnected');
  await assert.rejects(sock.connected(), { code: 'RemoteHostClosed' });
});

test('listening() once the bind completed and its event was delivered: resolves (the engine\'s bindDone)', T, async (t) => {
  const sock = cleanup(t)(new Socket());
  sock.incomingConnectionEvent = () => {};
  assert.equal(sock.listen(0, '127.0.0.1'), true);
  const [{ detail }] = [await once(sock, 'listening')];
  const got = await withTimeout(sock.listening(), 2000, 'listening()');
  assert.deepEqual(got, { ip: '127.0.0.1', port: detail.port });
  sock.close();
  await assert.rejects(sock.listening(), { code: 'UnknownSocket', message: /listening\(\): the socket is Unconnected/ });
});

test('a datagram too large is not fatal: async iteration goes on and reads the next datagram', T, async (t) => {
  const peer = dgram.createSocket('udp4');
  t.after(() => peer.close());
  await new Promise((resolve) => peer.bind(0, '127.0.0.1', resolve));
  const sock = await Socket.listen(0, '127.0.0.1', { protocol: 'udp' });
  t.after(() => sock.destroy());
  peer.send('first', sock.localPort(), '127.0.0.1');
  const it = sock[Symbol.asyncIterator]();
  assert.equal(new TextDecoder().decode((await it.next()).value), 'first');
  const error = once(sock, 'error');
  assert.equal(sock.write(new Uint8Array(70_000)), 70_000); // to the sender just read: EMSGSIZE
  assert.deepEqual((await error).detail, { code: 'DatagramTooLarge', message: 'Datagram too large', fatal: false });
  peer.send('second', sock.localPort(), '127.0.0.1');
  const next = await withTimeout(it.next(), 2000, 'the next datagram');
  assert.equal(next.done, false, 'the loop did not end at the error');
  assert.equal(new TextDecoder().decode(next.value), 'second');
  await it.return();
});

test('Direct TCPSocket: after a clean end the writable is errored RemoteHostClosed; startTls refused with the engine\'s name', T, async (t) => {
  const server = await tcpServer();
  t.after(() => server.close());
  const ts = new TCPSocket('127.0.0.1', server.port, { secureTransport: 'starttls' });
  const { writable } = await ts.opened;
  const peer = await server.next();
  peer.end();
  await ts.closed;
  const writer = writable.getWriter();
  await assert.rejects(writer.write(new Uint8Array([1])), { name: 'SocketError', code: 'RemoteHostClosed' });
  await assert.rejects(ts.startTls(), { name: 'SocketError', code: 'UnknownSocket', message: 'startTls needs status Connected, the socket is Unconnected' });
});

test('connect(): close() while connecting abandons the attempt (the engine\'s close): opened AbortError, closed resolves', T, async () => {
  // close() in the same turn as connect(): the socket is still Connecting.
  const server = await tcpServer();
  try {
    const cf = connect(`127.0.0.1:${server.port}`);
    const closed = cf.close();
    await assert.rejects(cf.opened, { name: 'AbortError' });
    await withTimeout(closed, 2000, 'closed');
  } finally { await server.close(); }
});
