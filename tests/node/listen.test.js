// listen(), incomingConnectionEvent and accept() (docs/spec.md "Functions": listen, accept, and
// "Incoming connections").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  Socket, T, cleanup, collect, hasIPv6, listenPort, once, pseudoRandomBytes, record, sha256, sleep, tcpServer, waitUntil,
  withTimeout,
} from './helpers.js';

/** A node:net client to `port`, resolved once connected, its data collected as `received`. */
async function client(t, port, host = '127.0.0.1', firstWrite) {
  const c = net.connect(port, host);
  c.received = collect(c);
  if (firstWrite !== undefined) c.write(firstWrite);
  t.after(() => c.destroy());
  await withTimeout(new Promise((resolve, reject) => {
    c.once('connect', resolve);
    c.once('error', reject);
  }), 5000, 'the client connection');
  return c;
}

/**
 * A kvsocket server on 127.0.0.1 that accepts every connection and answers each read with
 * `answer(socket)` (an echo unless said); resolves with its port.
 */
async function acceptingServer(track, answer = (socket) => socket.write(socket.readBytes())) {
  const server = track(new Socket());
  server.incomingConnectionEvent = (socket) => {
    server.accept(socket);
    track(socket);
    socket.dataAvailableEvent = () => answer(socket);
  };
  assert.equal(server.listen(0, '127.0.0.1'), true);
  return listenPort(server);
}

test('listen(0) lets the system pick; localPort() tells which', T, async (t) => {
  const sock = cleanup(t)(new Socket());
  const log = record(sock);
  assert.equal(sock.listen(0), true);
  assert.equal(sock.status(true), 'Listening');
  await listenPort(sock);
  assert.equal(sock.localIp(), '0.0.0.0');
  assert.equal(sock.remoteIp(), '');
  assert.equal(sock.remotePort(), 0);
  await sleep(20);
  assert.deepEqual(log.labels(), ['stateChanged(Listening)']);
  const c = await client(t, sock.localPort());
  assert.ok(c.remotePort === sock.localPort());
});

test('listen() with no arguments listens on a system-picked port', T, async (t) => {
  const sock = cleanup(t)(new Socket());
  assert.equal(sock.listen(), true);
  assert.equal(sock.status(), 6);
  await listenPort(sock);
});

test('localPort() and localIp() answer right after listen(0, ip) returns', T, (t) => {
  const sock = cleanup(t)(new Socket());
  assert.equal(sock.listen(0, '127.0.0.1'), true);
  assert.equal(sock.status(true), 'Listening');
  assert.ok(sock.localPort() > 0, `localPort() ${sock.localPort()} while Listening`);
  assert.equal(sock.localIp(), '127.0.0.1');
});

test('an echo server: accept(socket) keeps the connection; addresses are set', T, async (t) => {
  const track = cleanup(t);
  const seen = {};
  class Echo extends Socket {
    incomingConnectionEvent(socket) {
      seen.status = socket.status(true);
      seen.remoteIp = socket.remoteIp();
      seen.remotePort = socket.remotePort();
      seen.localPort = socket.localPort();
      seen.isSocket = socket instanceof Socket;
      seen.accepted = this.accept(socket);
      track(socket);
      socket.dataAvailableEvent = () => socket.write(socket.readBytes());
      return true;
    }
  }
  const server = track(new Echo());
  assert.equal(server.listen(0, '127.0.0.1'), true);
  const c = await client(t, await listenPort(server));
  assert.equal(server.localIp(), '127.0.0.1');
  c.write('ping \u0000\u00ff');
  await c.received.waitBytes(Buffer.byteLength('ping \u0000\u00ff'));
  assert.equal(c.received.text, 'ping \u0000\u00ff');
  assert.deepEqual(seen, {
    status: 'Connected', remoteIp: '127.0.0.1', remotePort: c.localPort, localPort: server.localPort(),
    isSocket: true, accepted: true,
  });
  assert.equal(server.status(true), 'Listening', 'the listener keeps listening');
  const c2 = await client(t, await listenPort(server));
  c2.write('second');
  await c2.received.waitBytes(6);
  assert.equal(c2.received.text, 'second');
});

test('incomingConnection event detail holds the new socket', T, async (t) => {
  const track = cleanup(t);
  const server = track(new Socket());
  const got = [];
  server.incomingConnectionEvent = (socket) => { got.push(socket); server.accept(socket); track(socket); };
  assert.equal(server.listen(0, '127.0.0.1'), true);
  const incoming = once(server, 'incomingConnection');
  await client(t, await listenPort(server));
  const { detail } = await incoming;
  assert.equal(detail.socket, got[0]);
  assert.ok(detail.socket instanceof Socket);
});

test('accept(other) moves the connection to a fresh subclass instance', T, async (t) => {
  const track = cleanup(t);
  class Handler extends Socket {
    dataAvailableEvent() { this.write(`got:${this.read()}`); }
  }
  const handlers = [];
  const server = track(new Socket());
  server.incomingConnectionEvent = (socket) => {
    const h = track(new Handler());
    const before = h.status();
    handlers.push({ h, before, accepted: server.accept(h), status: h.status(true), remotePort: h.remotePort() });
  };
  assert.equal(server.listen(0, '127.0.0.1'), true);
  const c = await client(t, await listenPort(server));
  await waitUntil(() => handlers.length === 1, 3000, 'the incoming connection');
  const [{ h, before, accepted, status, remotePort }] = handlers;
  assert.equal(before, 0);
  assert.equal(accepted, true);
  assert.equal(status, 'Connected');
  assert.equal(remotePort, c.localPort);
  assert.equal(h.remoteIp(), '127.0.0.1');
  c.write('hi');
  await c.received.waitBytes(6);
  assert.equal(c.received.text, 'got:hi');
});

test('accept(socket) and accept(other): Connected without a stateChanged or connected event; the moved-from socket is Unconnected', T, async (t) => {
  const track = cleanup(t);
  const server = track(new Socket());
  const seen = [];
  server.incomingConnectionEvent = (socket) => {
    const other = track(new Socket());
    const keep = seen.length === 0; // the first connection is kept, the second moved
    const logs = { socket: record(socket), other: keep ? null : record(other) };
    assert.equal(server.accept(keep ? socket : other), true);
    const taker = keep ? socket : other;
    taker.dataAvailableEvent = () => taker.write(taker.readBytes());
    track(socket);
    seen.push({ keep, socket, other, logs, status: taker.status(true), movedFrom: keep ? null : [socket.status(true), socket.remoteIp(), socket.remotePort()] });
  };
  assert.equal(server.listen(0, '127.0.0.1'), true);
  const port = await listenPort(server);
  for (const word of ['kept', 'moved']) {
    const c = await client(t, port);
    c.write(word);
    await c.received.waitBytes(word.length);
    assert.equal(c.received.text, word);
  }
  assert.equal(seen.length, 2);
  const [kept, moved] = seen;
  assert.equal(kept.status, 'Connected');
  assert.equal(moved.status, 'Connected');
  assert.deepEqual(moved.movedFrom, ['Unconnected', '', 0]);
  const types = (log) => [...new Set(log.map((e) => e.type))];
  assert.deepEqual(types(kept.logs.socket), ['dataAvailable'], 'the kept socket: data only');
  assert.deepEqual(types(moved.logs.other), ['dataAvailable'], 'the socket the connection moved to: data only');
  assert.deepEqual(types(moved.logs.socket), [], 'the socket it moved from: nothing');
});

test('no accept: what the handler wrote is flushed, then the connection is closed', T, async (t) => {
  const track = cleanup(t);
  const server = track(new Socket());
  const page = 'x'.repeat(300_000) + 'END';
  server.incomingConnectionEvent = (socket) => {
    socket.write(page);
    return true;
  };
  assert.equal(server.listen(0, '127.0.0.1'), true);
  const c = await client(t, await listenPort(server));
  await withTimeout(c.received.ended, 5000, 'the server to close the connection');
  assert.equal(c.received.size, page.length);
  assert.ok(c.received.text.endsWith('END'));
  assert.equal(server.status(true), 'Listening');
});

// The handler runs after the connection's first bytes may have arrived: whichever socket takes
// the connection finds them waiting.
for (const [taker, take] of [
  ['the accepted socket', (server, socket, track) => { server.accept(socket); return track(socket); }],
  ['a socket accepted with accept(other)', (server, socket, track) => { const other = track(new Socket()); server.accept(other); return other; }],
]) {
  test(`data that arrives before the handler runs is kept for ${taker}`, T, async (t) => {
    const track = cleanup(t);
    const server = track(new Socket());
    const received = [];
    server.incomingConnectionEvent = (socket) => {
      const sock = take(server, socket, track);
      sock.dataAvailableEvent = () => received.push(sock.read());
      if (sock.bytesAvailable() > 0) received.push(sock.read());
    };
    assert.equal(server.listen(0, '127.0.0.1'), true);
    await client(t, await listenPort(server), '127.0.0.1', 'early bytes');
    await waitUntil(() => received.join('') === 'early bytes', 3000, `'early bytes' (got ${JSON.stringify(received)})`);
  });
}

test('accept() from an incomingConnection listener works too', T, async (t) => {
  const track = cleanup(t);
  const server = track(new Socket());
  const accepted = [];
  server.addEventListener('incomingConnection', (e) => {
    const { socket } = e.detail;
    accepted.push(server.accept(socket));
    track(socket);
    socket.dataAvailableEvent = () => socket.write(socket.readBytes());
  });
  assert.equal(server.listen(0, '127.0.0.1'), true);
  const c = await client(t, await listenPort(server));
  c.write('via listener');
  await c.received.waitBytes(12);
  assert.equal(c.received.text, 'via listener');
  assert.deepEqual(accepted, [true]);
});

test('accept() outside incomingConnectionEvent returns false', T, async (t) => {
  const track = cleanup(t);
  const server = track(new Socket());
  assert.equal(server.accept(track(new Socket())), false);
  assert.equal(server.listen(0, '127.0.0.1'), true);
  assert.equal(server.accept(track(new Socket())), false);
});

test('accept() of an incoming socket the handler destroyed returns false, says why', T, async (t) => {
  const track = cleanup(t);
  const server = track(new Socket());
  assert.equal(server.listen(0, '127.0.0.1'), true);
  const results = [];
  server.incomingConnectionEvent = (sock) => {
    sock.destroy();
    results.push(server.accept(track(new Socket())), server.lastError(), server.accept(sock));
  };
  const c = net.connect(server.localPort(), '127.0.0.1');
  c.on('error', () => {});
  t.after(() => c.destroy());
  await waitUntil(() => results.length === 3, 3000, 'incomingConnectionEvent');
  assert.equal(results[0], false);
  assert.match(results[1], /destroyed/);
  assert.equal(results[2], false);
});

test('listen with a bad port or interface returns false, lastError says why', T, (t) => {
  const track = cleanup(t);
  for (const [port, iface] of [
    [-1, ''], [65536, ''], [70000, '127.0.0.1'], [1.5, ''], ['abc', ''], [NaN, ''],
    [0, 'not-an-ip'], [0, 'localhost'], [0, '1.2.3.4.5'], [0, '[::1'], [0, 'example.com'],
  ]) {
    const sock = track(new Socket());
    assert.equal(sock.listen(port, iface), false, `listen(${port}, ${JSON.stringify(iface)})`);
    assert.notEqual(sock.lastError(), '', `lastError after listen(${port}, ${JSON.stringify(iface)})`);
    assert.equal(sock.status(), 0);
  }
});

test('listen when not Unconnected returns false', T, async (t) => {
  const track = cleanup(t);
  const sock = track(new Socket());
  assert.equal(sock.listen(0, '127.0.0.1'), true);
  assert.equal(sock.listen(0, '127.0.0.1'), false);
  assert.notEqual(sock.lastError(), '');
  const server = track(await tcpServer());
  const client2 = track(new Socket());
  client2.connect('127.0.0.1', server.port);
  assert.equal(client2.listen(0), false, 'while Connecting');
  await once(client2, 'connected');
  assert.equal(client2.listen(0), false, 'while Connected');
});

test('address in use: errorEvent(AddressInUse) and status back to Unconnected', T, async (t) => {
  const track = cleanup(t);
  const taken = track(await tcpServer({ host: '127.0.0.1' }));
  const sock = track(new Socket());
  const log = record(sock);
  const calls = [];
  sock.errorEvent = (code, message) => calls.push([code, message]);
  const started = sock.listen(taken.port, '127.0.0.1');
  if (!started) {
    assert.notEqual(sock.lastError(), '');
  } else {
    await log.until('error');
    await sleep(50);
    assert.equal(log.of('error')[0].detail.code, 'AddressInUse');
    assert.equal(calls[0][0], 'AddressInUse');
    assert.ok(calls[0][1].length > 0);
    assert.equal(log.labels().at(-1), 'stateChanged(Unconnected)');
    assert.notEqual(sock.lastError(), '');
  }
  assert.equal(sock.status(), 0);
  assert.equal(sock.listen(0, '127.0.0.1'), true, 'usable again');
});

test('listen on ::1 accepts IPv6 connections', T, async (t) => {
  if (!(await hasIPv6())) return t.skip('no IPv6 loopback on this machine');
  const track = cleanup(t);
  const server = track(new Socket());
  const seen = [];
  server.incomingConnectionEvent = (socket) => {
    seen.push(socket.remoteIp());
    server.accept(socket);
    track(socket);
    socket.write('v6');
  };
  assert.equal(server.listen(0, '::1'), true);
  const c = await client(t, await listenPort(server), '::1');
  assert.equal(server.localIp(), '::1');
  await c.received.waitBytes(2);
  assert.equal(c.received.text, 'v6');
  assert.deepEqual(seen, ['::1']);
});

test("listen(0, '', true) listens on all IPv6 interfaces", T, async (t) => {
  if (!(await hasIPv6())) return t.skip('no IPv6 loopback on this machine');
  const track = cleanup(t);
  const server = track(new Socket());
  server.incomingConnectionEvent = (socket) => { server.accept(socket); track(socket); socket.write('any6'); };
  assert.equal(server.listen(0, '', true), true);
  const c = await client(t, await listenPort(server), '::1');
  assert.equal(server.localIp(), '::');
  await c.received.waitBytes(4);
  assert.equal(c.received.text, 'any6');
});

test('a kvsocket client talks to a kvsocket server', T, async (t) => {
  const track = cleanup(t);
  const port = await acceptingServer(track, (socket) => socket.write(socket.read().toUpperCase()));
  const c = track(new Socket());
  c.connectedEvent = () => c.write('shout');
  let got = '';
  c.dataAvailableEvent = () => { got += c.read(); };
  assert.equal(c.connect('127.0.0.1', port), true);
  await waitUntil(() => got === 'SHOUT', 3000, 'the echo');
});

test('an accepted socket echoes 4 MiB intact (sha256), both directions under backpressure', T, async (t) => {
  const c = await client(t, await acceptingServer(cleanup(t)));
  const data = pseudoRandomBytes(4 * 1024 * 1024, 11);
  c.write(data);
  await c.received.waitBytes(data.length, 8000);
  assert.equal(sha256(c.received.buffer), sha256(data));
});

test('accept() with a socket that is not Unconnected returns false; the connection is then closed', T, async (t) => {
  const track = cleanup(t);
  const server = track(new Socket());
  const busy = track(new Socket());
  assert.equal(busy.listen(0, '127.0.0.1'), true);
  const results = [];
  server.incomingConnectionEvent = (socket) => {
    results.push(server.accept(busy));
    socket.write('bye');
  };
  assert.equal(server.listen(0, '127.0.0.1'), true);
  const c = await client(t, await listenPort(server));
  await withTimeout(c.received.ended, 3000, 'the connection to close');
  assert.deepEqual(results, [false]);
  assert.equal(c.received.text, 'bye');
  assert.equal(busy.status(true), 'Listening');
});

test('incomingConnection is asynchronous and the listener keeps its status', T, async (t) => {
  const track = cleanup(t);
  const server = track(new Socket());
  const log = record(server);
  server.incomingConnectionEvent = (socket) => { server.accept(socket); track(socket); };
  assert.equal(server.listen(0, '127.0.0.1'), true);
  await client(t, await listenPort(server));
  await log.until('incomingConnection');
  assert.deepEqual(log.labels(), ['stateChanged(Listening)', 'incomingConnection']);
  assert.equal(server.status(true), 'Listening');
  assert.equal(server.remoteIp(), '');
});

test('20 concurrent clients of a kvsocket echo server each get their own bytes back', T, async (t) => {
  const port = await acceptingServer(cleanup(t));
  const clients = await Promise.all(Array.from({ length: 20 }, () => client(t, port)));
  clients.forEach((c, i) => c.write(`client ${i} `.repeat(1000)));
  await Promise.all(clients.map((c, i) => c.received.waitBytes(`client ${i} `.length * 1000, 8000)));
  clients.forEach((c, i) => assert.equal(c.received.text, `client ${i} `.repeat(1000)));
});
