// UDP in Node through node:dgram (docs/spec.md: setProtocol, "connect", "listen … UDP: status Bound",
// "UDP: each read takes from the oldest datagram only; what does not fit in `length` is
// discarded", "UDP: one write, one datagram", "UDP bound: remote is the sender of the datagram
// last read"). Every peer is a real node:dgram socket on 127.0.0.1 or ::1; every test ends by
// itself within 5 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import {
  EVENT_TYPES, Socket, cleanup, pseudoRandomBytes, record, sha256, sleep, waitUntil, withTimeout,
} from './helpers.js';

const T5 = { timeout: 5000 };
const TYPES = [...EVENT_TYPES, 'listening'];

/** True when this machine can bind UDP on ::1 and send itself a datagram there. */
async function udp6Works() {
  const s = dgram.createSocket('udp6');
  try {
    return await withTimeout(new Promise((resolve) => {
      s.once('error', () => resolve(false));
      s.once('message', () => resolve(true));
      s.bind(0, '::1', () => s.send('?', s.address().port, '::1'));
    }), 1000, 'a datagram on ::1');
  } catch {
    return false;
  } finally {
    try { s.close(); } catch { /* not bound */ }
  }
}

const IPV6 = await udp6Works();
const FAMILIES = [
  { name: 'IPv4', type: 'udp4', ip: '127.0.0.1', skip: false },
  { name: 'IPv6', type: 'udp6', ip: '::1', skip: IPV6 ? false : 'no IPv6 loopback for UDP here' },
];

/**
 * A node:dgram socket bound on `ip`, collecting what it receives as `messages` ({msg, rinfo});
 * with `echo`, it sends every datagram back to its sender. Closed after the test.
 */
function udpPeer(t, { ip = '127.0.0.1', port = 0, echo = false } = {}) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(ip.includes(':') ? 'udp6' : 'udp4');
    s.messages = [];
    s.on('message', (msg, rinfo) => {
      s.messages.push({ msg, rinfo });
      if (echo) s.send(msg, rinfo.port, rinfo.address);
    });
    s.once('error', reject);
    t.after(() => new Promise((r) => {
      try { s.close(r); } catch { r(); }
    }));
    s.bind(port, ip, () => {
      s.port = s.address().port;
      resolve(s);
    });
  });
}

/** Sends `data` from the dgram socket `from` and resolves once it is handed to the network. */
const sendTo = (from, data, port, ip) => new Promise((resolve, reject) => {
  from.send(data, port, ip, (err) => (err ? reject(err) : resolve()));
});

/** Resolves with the port a UDP `listen` got, from its listeningEvent (once it is bound). */
async function boundPort(sock, log) {
  await waitUntil(() => log.of('listening').length > 0 || sock.status() === 0, 3000, 'the bind');
  assert.equal(sock.status(true), 'Bound', `not bound: ${sock.lastError()}`);
  const { ip, port } = log.of('listening')[0].detail;
  assert.ok(port > 0);
  assert.equal(sock.localPort(), port);
  assert.equal(sock.localIp(), ip);
  return port;
}

/** A UDP Socket bound with `listen(...args)`, its events recorded; resolves once bound. */
async function boundSocket(t, ...args) {
  const sock = cleanup(t)(new Socket({ protocol: 'udp' }));
  const log = record(sock, TYPES);
  assert.equal(sock.listen(...args), true, `listen: ${sock.lastError()}`);
  assert.equal(sock.status(true), 'Bound', 'Bound at once');
  const port = await boundPort(sock, log);
  return { sock, log, port };
}

/** A kvsocket UDP client connected to `ip`:`port`; resolves once Connected. */
async function udpClient(t, ip, port) {
  const sock = cleanup(t)(new Socket());
  const log = record(sock, TYPES);
  assert.equal(sock.setProtocol('udp'), true);
  assert.equal(sock.connect(ip, port), true, `connect: ${sock.lastError()}`);
  await log.until('connected', 3000);
  return { sock, log };
}

// ----- (a) a kvsocket UDP client and a dgram echo server, IPv4 and IPv6 ------------------------

for (const fam of FAMILIES) {
  test(`${fam.name}: a UDP client connect()s to a dgram echo server; one write, one datagram, one dataAvailable, one read`, { ...T5, skip: fam.skip }, async (t) => {
    const echo = await udpPeer(t, { ip: fam.ip, echo: true });
    const sock = cleanup(t)(new Socket());
    const log = record(sock, TYPES);
    let connectedCalls = 0;
    sock.connectedEvent = () => { connectedCalls++; };
    assert.equal(sock.protocol(), 'tcp');
    assert.equal(sock.setProtocol('udp'), true);
    assert.equal(sock.protocol(), 'udp');
    assert.equal(sock.connect(fam.ip, echo.port), true);
    await log.until('connected', 3000);
    assert.equal(sock.status(), 3);
    assert.equal(sock.status(true), 'Connected');
    assert.equal(connectedCalls, 1);
    assert.deepEqual(log.labels(), ['stateChanged(Connecting)', 'stateChanged(Connected)', 'connected'],
      'no HostLookUp for an IP literal, no listening event for a client');
    assert.equal(sock.remoteIp(), fam.ip);
    assert.equal(sock.remotePort(), echo.port);
    assert.equal(sock.localIp(), fam.ip);
    assert.ok(sock.localPort() > 0);

    assert.equal(sock.write('first'), 5);
    assert.equal(sock.write(new Uint8Array([0, 1, 2])), 3);
    assert.equal(sock.write(['x', 0x79]), 2);
    await waitUntil(() => log.of('dataAvailable').length >= 3, 3000, 'three echoes');
    await sleep(30);
    assert.deepEqual(echo.messages.map((m) => [...m.msg]), [[...Buffer.from('first')], [0, 1, 2], [0x78, 0x79]],
      'three writes are three datagrams, bytes as written');
    assert.deepEqual(echo.messages.map((m) => m.rinfo.port), [1, 2, 3].map(() => sock.localPort()));
    assert.deepEqual(log.of('dataAvailable').map((e) => e.detail.length), [5, 8, 10],
      'one dataAvailable per echoed datagram, with the bytes now buffered');
    assert.equal(sock.bytesAvailable(), 10);
    assert.equal(sock.read(), 'first', 'a read takes one datagram');
    assert.equal(sock.bytesAvailable(), 5);
    assert.equal(sock.read(), '\u00ff\u0001\u0002', 'NUL reads as U+00FF');
    assert.equal(sock.read(), 'xy');
    assert.equal(sock.read(), '');
    assert.equal(sock.bytesAvailable(), 0);
    assert.equal(sock.remoteIp(), fam.ip, 'remote stays the connected peer');
  });

  // ----- (b) a kvsocket bound socket as the echo server for a dgram client --------------------

  test(`${fam.name}: listen(0, '${fam.ip}') is an echo server for dgram clients; write answers the sender of the datagram last read`, { ...T5, skip: fam.skip }, async (t) => {
    const { sock, log, port } = await boundSocket(t, 0, fam.ip);
    assert.equal(sock.localIp(), fam.ip);
    assert.equal(sock.remoteIp(), '', 'no datagram read yet');
    assert.equal(sock.remotePort(), 0);
    assert.deepEqual(log.labels(), ['stateChanged(Bound)', 'listening']);

    let listenedWith;
    sock.listeningEvent = (...args) => { listenedWith = args; }; // a later bind of the same socket
    const seen = [];
    sock.dataAvailableEvent = () => {
      const bytes = sock.readBytes();
      seen.push({ text: Buffer.from(bytes).toString(), ip: sock.remoteIp(), port: sock.remotePort() });
      assert.equal(sock.write(bytes), bytes.length);
    };
    const a = await udpPeer(t, { ip: fam.ip });
    const b = await udpPeer(t, { ip: fam.ip });
    await sendTo(a, 'from a', port, fam.ip);
    await waitUntil(() => a.messages.length === 1, 3000, 'the echo to a');
    await sendTo(b, 'from b', port, fam.ip);
    await waitUntil(() => b.messages.length === 1, 3000, 'the echo to b');
    await sendTo(a, 'a again', port, fam.ip);
    await waitUntil(() => a.messages.length === 2, 3000, 'the second echo to a');
    await sleep(30);
    assert.deepEqual(a.messages.map((m) => m.msg.toString()), ['from a', 'a again']);
    assert.deepEqual(b.messages.map((m) => m.msg.toString()), ['from b'], 'b got only its own echo');
    assert.deepEqual(a.messages.map((m) => m.rinfo.port), [port, port], 'answered from the bound port');
    assert.deepEqual(seen, [
      { text: 'from a', ip: fam.ip, port: a.port },
      { text: 'from b', ip: fam.ip, port: b.port },
      { text: 'a again', ip: fam.ip, port: a.port },
    ]);
    assert.equal(sock.status(true), 'Bound');
    assert.equal(listenedWith, undefined, 'listening is told once');
    assert.deepEqual(log.labels().filter((l) => l !== 'dataAvailable'), ['stateChanged(Bound)', 'listening'],
      'no connected, error or disconnected on a bound socket');
  });

  test(`${fam.name}: a bound socket's write before any datagram was read returns 0 and sets lastError`, { ...T5, skip: fam.skip }, async (t) => {
    const { sock, log, port } = await boundSocket(t, 0, fam.ip);
    assert.equal(sock.write('nobody to answer'), 0);
    assert.notEqual(sock.lastError(), '');
    const peer = await udpPeer(t, { ip: fam.ip });
    await sendTo(peer, 'hello', port, fam.ip);
    await log.until('dataAvailable', 3000);
    assert.equal(sock.write('still nobody'), 0, 'a datagram that arrived but was not read names no sender');
    assert.equal(sock.remoteIp(), '');
    assert.equal(sock.read(), 'hello');
    assert.equal(sock.remotePort(), peer.port);
    assert.equal(sock.write('answer'), 6);
    await waitUntil(() => peer.messages.length === 1, 3000, 'the answer');
    assert.equal(peer.messages[0].msg.toString(), 'answer');
    assert.equal(sock.status(true), 'Bound', 'a refused write does not end the socket');
    await sleep(20);
    assert.deepEqual(log.labels().filter((l) => l !== 'dataAvailable'), ['stateChanged(Bound)', 'listening']);
  });

  test(`${fam.name}: a 60 KB datagram arrives whole, both ways`, { ...T5, skip: fam.skip }, async (t) => {
    const big = pseudoRandomBytes(60 * 1024, fam.name === 'IPv4' ? 4 : 6);
    // kvsocket client -> dgram echo server -> kvsocket client
    const echo = await udpPeer(t, { ip: fam.ip, echo: true });
    const { sock, log } = await udpClient(t, fam.ip, echo.port);
    assert.equal(sock.write(big), big.length);
    await log.until('dataAvailable', 3000);
    assert.equal(echo.messages.length, 1);
    assert.equal(echo.messages[0].msg.length, big.length, 'one datagram at the peer');
    assert.equal(sha256(echo.messages[0].msg), sha256(big));
    assert.equal(log.of('dataAvailable')[0].detail.length, big.length);
    const back = sock.readBytes();
    assert.equal(back.length, big.length);
    assert.equal(sha256(back), sha256(big));
    // dgram client -> kvsocket bound socket
    const bound = await boundSocket(t, 0, fam.ip);
    const peer = await udpPeer(t, { ip: fam.ip });
    await sendTo(peer, big, bound.port, fam.ip);
    await bound.log.until('dataAvailable', 3000);
    assert.equal(bound.sock.bytesAvailable(), big.length);
    assert.equal(sha256(bound.sock.readBytes()), sha256(big));
    assert.equal(bound.sock.write(big), big.length, 'and answered whole');
    await waitUntil(() => peer.messages.length === 1, 3000, 'the 60 KB answer');
    assert.equal(sha256(peer.messages[0].msg), sha256(big));
  });

  test(`${fam.name}: 100 datagrams in a burst are 100 reads, in order, both ways`, { ...T5, skip: fam.skip }, async (t) => {
    const N = 100;
    const msg = (i) => `datagram ${String(i).padStart(3, '0')} ${'.'.repeat(i % 17)}`;
    // dgram client -> kvsocket bound socket: one dataAvailable and one read per datagram
    const { sock, port } = await boundSocket(t, 0, fam.ip);
    const reads = [];
    let events = 0;
    sock.dataAvailableEvent = () => {
      events++;
      reads.push(sock.read());
    };
    const peer = await udpPeer(t, { ip: fam.ip });
    for (let i = 0; i < N; i++) peer.send(msg(i), port, fam.ip);
    await waitUntil(() => reads.length >= N, 3000, `${N} reads (got ${reads.length})`);
    await sleep(30);
    assert.equal(events, N);
    assert.deepEqual(reads, Array.from({ length: N }, (_, i) => msg(i)));
    assert.equal(sock.bytesAvailable(), 0);
    // kvsocket client -> dgram server: 100 writes are 100 datagrams
    const server = await udpPeer(t, { ip: fam.ip });
    const { sock: client } = await udpClient(t, fam.ip, server.port);
    for (let i = 0; i < N; i++) assert.equal(client.write(msg(i)), Buffer.byteLength(msg(i)));
    await waitUntil(() => server.messages.length >= N, 3000, `${N} datagrams at the server`);
    assert.deepEqual(server.messages.map((m) => m.msg.toString()), Array.from({ length: N }, (_, i) => msg(i)));
  });

  test(`${fam.name}: close() and destroy() release the bound port: it can be bound again at once`, { ...T5, skip: fam.skip }, async (t) => {
    // close(): the same socket binds the same port again
    const { sock, log, port } = await boundSocket(t, 0, fam.ip);
    sock.close();
    assert.equal(sock.status(true), 'Unconnected');
    assert.equal(sock.localPort(), 0);
    assert.equal(sock.protocol(), 'udp', 'close keeps the protocol');
    assert.equal(sock.listen(port, fam.ip), true);
    await waitUntil(() => log.of('listening').length === 2 || sock.status() === 0, 3000, 'the second bind');
    assert.equal(sock.status(true), 'Bound', `rebind: ${sock.lastError()}`);
    assert.equal(sock.localPort(), port);
    // and it works: a datagram to that port arrives
    const peer = await udpPeer(t, { ip: fam.ip });
    await sendTo(peer, 'again', port, fam.ip);
    await waitUntil(() => sock.bytesAvailable() > 0, 3000, 'a datagram on the rebound port');
    assert.equal(sock.read(), 'again');
    // destroy(): a dgram socket can take the port
    sock.destroy();
    const taker = await udpPeer(t, { ip: fam.ip, port });
    assert.equal(taker.port, port);
    await sleep(20);
    assert.deepEqual(log.labels().filter((l) => l !== 'dataAvailable'), [
      'stateChanged(Bound)', 'listening', 'stateChanged(Unconnected)', 'stateChanged(Bound)', 'listening',
    ], 'no error event; nothing after destroy()');
  });

  test(`${fam.name}: binding a port in use gives errorEvent('AddressInUse') and status Unconnected`, { ...T5, skip: fam.skip }, async (t) => {
    const holder = await udpPeer(t, { ip: fam.ip });
    const sock = cleanup(t)(new Socket({ protocol: 'udp' }));
    const log = record(sock, TYPES);
    const errors = [];
    sock.errorEvent = (code, message) => errors.push([code, message]);
    assert.equal(sock.listen(holder.port, fam.ip), true, 'the failure is only known later');
    await log.until('error', 3000);
    await sleep(20);
    assert.deepEqual(errors, [['AddressInUse', 'Address already in use']]);
    assert.equal(sock.status(true), 'Unconnected');
    assert.equal(sock.lastError(), 'Address already in use');
    assert.equal(sock.localPort(), 0);
    assert.deepEqual(log.labels(), ['stateChanged(Bound)', 'error(AddressInUse)', 'stateChanged(Unconnected)'],
      'no listening, connectFailed or disconnected event');
    // The socket is usable again.
    assert.equal(sock.listen(0, fam.ip), true);
    await boundPort(sock, log);
  });

  test(`${fam.name}: close() on a Connected UDP socket sends what was written, then disconnect('') once`, { ...T5, skip: fam.skip }, async (t) => {
    const server = await udpPeer(t, { ip: fam.ip });
    const { sock, log } = await udpClient(t, fam.ip, server.port);
    let disconnects = 0;
    sock.disconnectEvent = (error) => { disconnects++; assert.equal(error, ''); };
    assert.equal(sock.write('last words'), 10);
    sock.close();
    assert.equal(sock.status(true), 'Unconnected');
    await log.until('disconnected', 3000);
    await waitUntil(() => server.messages.length === 1, 3000, 'the datagram written before close()');
    await sleep(50);
    assert.equal(server.messages[0].msg.toString(), 'last words');
    assert.equal(disconnects, 1);
    assert.deepEqual(log.labels(), [
      'stateChanged(Connecting)', 'stateChanged(Connected)', 'connected',
      'stateChanged(Unconnected)', 'disconnected("")',
    ]);
    assert.equal(sock.write('after close'), 0);
    assert.equal(sock.remoteIp(), '');
    sock.close(); // nothing more
    await sleep(20);
    assert.equal(log.of('disconnected').length, 1);
    // The socket can connect again, still UDP.
    assert.equal(sock.protocol(), 'udp');
    assert.equal(sock.connect(fam.ip, server.port), true);
    await waitUntil(() => log.of('connected').length === 2, 3000, 'the second connect');
  });
}

// ----- (b') bound on every interface ----------------------------------------------------------

test("listen(0, '') binds every IPv4 interface; a 127.0.0.1 client gets its echo", T5, async (t) => {
  const { sock, port } = await boundSocket(t, 0, '');
  assert.equal(sock.localIp(), '0.0.0.0');
  sock.dataAvailableEvent = () => sock.write(sock.readBytes());
  const peer = await udpPeer(t, { ip: '127.0.0.1' });
  await sendTo(peer, 'v4 everywhere', port, '127.0.0.1');
  await waitUntil(() => peer.messages.length === 1, 3000, 'the echo');
  assert.equal(peer.messages[0].msg.toString(), 'v4 everywhere');
  assert.equal(sock.remoteIp(), '127.0.0.1');
  assert.equal(sock.remotePort(), peer.port);
});

test("listen(0, '', true) binds every IPv6 interface; a ::1 client gets its echo", { ...T5, skip: FAMILIES[1].skip }, async (t) => {
  const { sock, port } = await boundSocket(t, 0, '', true);
  assert.equal(sock.localIp(), '::');
  sock.dataAvailableEvent = () => sock.write(sock.readBytes());
  const peer = await udpPeer(t, { ip: '::1' });
  await sendTo(peer, 'v6 everywhere', port, '::1');
  await waitUntil(() => peer.messages.length === 1, 3000, 'the echo');
  assert.equal(peer.messages[0].msg.toString(), 'v6 everywhere');
  assert.equal(peer.messages[0].rinfo.port, port);
  assert.equal(sock.remoteIp(), '::1');
  assert.equal(sock.remotePort(), peer.port);
});

// ----- reads on datagrams ---------------------------------------------------------------------

test('read(len) takes from the oldest datagram only and discards the rest of it', T5, async (t) => {
  const { sock, log, port } = await boundSocket(t, 0, '127.0.0.1');
  const peer = await udpPeer(t);
  for (const d of ['one-datagram', 'second', 'third€']) await sendTo(peer, d, port, '127.0.0.1');
  await waitUntil(() => log.of('dataAvailable').length === 3, 3000, 'three datagrams');
  assert.equal(sock.bytesAvailable(), 12 + 6 + 8);
  assert.equal(sock.read(3), 'one', 'the first datagram, cut to length');
  assert.equal(sock.bytesAvailable(), 14, 'the whole first datagram left the buffer');
  assert.equal(sock.remoteIp(), '127.0.0.1');
  assert.equal(sock.remotePort(), peer.port);
  assert.equal(sock.read(100), 'second', 'a length larger than the datagram takes the datagram, not more');
  assert.equal(sock.read(6), 'third\ufffd', 'a cut inside a character decodes as U+FFFD; its rest is gone');
  assert.equal(sock.bytesAvailable(), 0);
  assert.equal(sock.read(), '');
  assert.equal(sock.read(5), '');
});

test('empty datagrams: write of nothing sends none (returns 0); one received is nothing to read', T5, async (t) => {
  const peer = await udpPeer(t);
  const { sock, log } = await udpClient(t, '127.0.0.1', peer.port);
  assert.equal(sock.write(''), 0);
  assert.equal(sock.write(new Uint8Array(0)), 0);
  assert.equal(sock.write('abc', 0), 0);
  assert.equal(sock.write('first'), 5);
  await waitUntil(() => peer.messages.length > 0, 3000, 'a datagram at the peer');
  await sleep(50);
  assert.deepEqual(peer.messages.map((m) => String(m.msg)), ['first'], 'no empty datagram went out');
  await sendTo(peer, Buffer.alloc(0), sock.localPort(), '127.0.0.1');
  await sendTo(peer, 'after', sock.localPort(), '127.0.0.1');
  await waitUntil(() => log.of('dataAvailable').length > 0, 3000, 'dataAvailable');
  await sleep(50);
  assert.deepEqual(log.of('dataAvailable').map((e) => e.detail.length), [5], 'the empty datagram is not an event');
  assert.equal(sock.read(), 'after');
  assert.equal(sock.bytesAvailable(), 0);
});

test('readBytes and readHex take one datagram each, with the same length rule', T5, async (t) => {
  const { sock, log, port } = await boundSocket(t, 0, '127.0.0.1');
  const peer = await udpPeer(t);
  const datagrams = [[0, 0xff, 1], [2, 3], [0xde, 0xad, 0xbe, 0xef], [0xca, 0xfe, 0xba, 0xbe], [9, 8, 7]];
  for (const d of datagrams) await sendTo(peer, Buffer.from(d), port, '127.0.0.1');
  await waitUntil(() => log.of('dataAvailable').length === datagrams.length, 3000, 'the datagrams');
  assert.equal(sock.bytesAvailable(), 16);
  assert.deepEqual([...sock.readBytes()], [0, 0xff, 1]);
  assert.deepEqual([...sock.readBytes(0)], [2, 3], '0 means everything: the whole datagram');
  assert.equal(sock.readHex(), 'deadbeef');
  assert.equal(sock.readHex(2), 'cafe', 'cut to 2 bytes, the rest discarded');
  assert.equal(sock.bytesAvailable(), 3);
  assert.deepEqual([...sock.readBytes(-1)], [9, 8, 7]);
  assert.equal(sock.bytesAvailable(), 0);
  assert.deepEqual([...sock.readBytes()], []);
  assert.equal(sock.readHex(), '');
});

test('bytesAvailable counts every pending datagram; each dataAvailable tells the total', T5, async (t) => {
  const echo = await udpPeer(t, { echo: true });
  const { sock, log } = await udpClient(t, '127.0.0.1', echo.port);
  assert.equal(sock.bytesAvailable(), 0);
  sock.write('aaaa');
  await waitUntil(() => log.of('dataAvailable').length === 1, 3000, 'the first echo');
  sock.write('bb');
  await waitUntil(() => log.of('dataAvailable').length === 2, 3000, 'the second echo');
  assert.deepEqual(log.of('dataAvailable').map((e) => e.detail.length), [4, 6]);
  assert.equal(sock.bytesAvailable(), 6);
  assert.equal(sock.read(1), 'a');
  assert.equal(sock.bytesAvailable(), 2);
  sock.write('c');
  await waitUntil(() => log.of('dataAvailable').length === 3, 3000, 'the third echo');
  assert.equal(log.of('dataAvailable')[2].detail.length, 3);
  assert.equal(sock.read(), 'bb');
  assert.equal(sock.read(), 'c');
});

// ----- connect by name, protocol, errors ------------------------------------------------------

test("connect('localhost', port) over UDP goes through HostLookUp and echoes", T5, async (t) => {
  // An echo server on 127.0.0.1 and, when possible, on ::1 at the same port: whichever address
  // 'localhost' resolves to first answers.
  const v4 = await udpPeer(t, { echo: true });
  if (IPV6) await udpPeer(t, { ip: '::1', port: v4.port, echo: true }).catch(() => {});
  const sock = cleanup(t)(new Socket({ protocol: 'udp' }));
  const log = record(sock, TYPES);
  assert.equal(sock.connect('localhost', v4.port), true);
  assert.equal(sock.status(true), 'HostLookUp');
  await log.until('connected', 3000);
  assert.deepEqual(log.labels(), [
    'stateChanged(HostLookUp)', 'hostFound', 'stateChanged(Connecting)', 'stateChanged(Connected)', 'connected',
  ]);
  assert.ok(['127.0.0.1', '::1'].includes(sock.remoteIp()), `remoteIp ${sock.remoteIp()}`);
  assert.equal(sock.remotePort(), v4.port);
  assert.equal(sock.write('by name'), 7);
  await log.until('dataAvailable', 3000);
  assert.equal(sock.read(), 'by name');
});

test("new Socket({ protocol: 'udp' }) and setProtocol in any case", T5, (t) => {
  const track = cleanup(t);
  const a = track(new Socket({ protocol: 'udp' }));
  assert.equal(a.protocol(), 'udp');
  assert.equal(a.status(true), 'Unconnected');
  const b = track(new Socket({ protocol: 'UDP' }));
  assert.equal(b.protocol(), 'udp');
  assert.equal(b.setProtocol('Tcp'), true);
  assert.equal(b.protocol(), 'tcp');
  assert.equal(b.setProtocol('uDp'), true);
  assert.equal(b.protocol(), 'udp');
  assert.equal(b.setProtocol('sctp'), false);
  assert.notEqual(b.lastError(), '');
  assert.equal(b.protocol(), 'udp');
  assert.throws(() => new Socket({ protocol: 'quic' }), TypeError);
});

test('setProtocol is refused while Bound and while Connected', T5, async (t) => {
  const { sock: bound } = await boundSocket(t, 0, '127.0.0.1');
  assert.equal(bound.setProtocol('tcp'), false, 'while Bound');
  assert.notEqual(bound.lastError(), '');
  assert.equal(bound.setProtocol('udp'), false, 'even to the same protocol');
  assert.equal(bound.protocol(), 'udp');
  assert.equal(bound.status(true), 'Bound');

  const server = await udpPeer(t);
  const { sock: client } = await udpClient(t, '127.0.0.1', server.port);
  assert.equal(client.setProtocol('tcp'), false, 'while Connected');
  assert.notEqual(client.lastError(), '');
  assert.equal(client.protocol(), 'udp');
  assert.equal(client.status(true), 'Connected');

  const connecting = cleanup(t)(new Socket({ protocol: 'udp' }));
  connecting.connect('localhost', server.port);
  assert.equal(connecting.setProtocol('tcp'), false, 'while HostLookUp');

  bound.close();
  assert.equal(bound.setProtocol('tcp'), true, 'Unconnected again');
  assert.equal(bound.protocol(), 'tcp');
});

test('a UDP connect the system refuses is a connect failure, not an exception', T5, async (t) => {
  // Linux refuses connect() to the broadcast address without SO_BROADCAST (EACCES).
  const sock = cleanup(t)(new Socket({ protocol: 'udp' }));
  const log = record(sock, TYPES);
  assert.equal(sock.connect('255.255.255.255', 9), true);
  await waitUntil(() => log.of('connected').length || log.of('connectFailed').length, 3000, 'the outcome');
  if (log.of('connected').length) return t.skip('this system lets UDP connect to the broadcast address');
  await sleep(20);
  assert.equal(sock.status(true), 'Unconnected');
  assert.deepEqual(log.labels(), [
    'stateChanged(Connecting)', 'connectFailed(SocketAccess)', 'error(SocketAccess)', 'stateChanged(Unconnected)',
  ]);
  assert.equal(sock.lastError(), 'Permission denied');
});

test('a datagram too large for UDP is an errorEvent; the socket stays usable', T5, async (t) => {
  const echo = await udpPeer(t, { echo: true });
  const { sock, log } = await udpClient(t, '127.0.0.1', echo.port);
  assert.equal(sock.write(new Uint8Array(70_000)), 70_000, 'queued; the system refuses it later');
  await log.until('error', 3000);
  assert.deepEqual(log.of('error').map((e) => e.detail), [{ code: 'DatagramTooLarge', message: 'Datagram too large', fatal: false }]);
  assert.equal(sock.lastError(), 'Datagram too large');
  assert.equal(sock.status(true), 'Connected', 'one refused datagram does not end the socket');
  await waitUntil(() => sock.bufferedAmount() === 0, 1000, 'bufferedAmount back to 0');
  assert.equal(sock.write('small'), 5);
  await log.until('dataAvailable', 3000);
  assert.equal(sock.read(), 'small');
  assert.equal(log.of('disconnected').length, 0);

  // The same on a bound socket answering a sender.
  const { sock: bound, log: blog, port } = await boundSocket(t, 0, '127.0.0.1');
  const peer = await udpPeer(t);
  await sendTo(peer, 'hi', port, '127.0.0.1');
  await blog.until('dataAvailable', 3000);
  bound.read();
  assert.equal(bound.write(new Uint8Array(70_000)), 70_000);
  await blog.until('error', 3000);
  assert.equal(blog.of('error')[0].detail.code, 'DatagramTooLarge');
  assert.equal(bound.status(true), 'Bound');
  assert.equal(bound.write('ok'), 2);
  await waitUntil(() => peer.messages.length === 1, 3000, 'the answer after the refused one');
  assert.equal(peer.messages[0].msg.toString(), 'ok');
});

test('destroy() while Connected over UDP: no further event, the local port is freed', T5, async (t) => {
  const server = await udpPeer(t, { echo: true });
  const { sock, log } = await udpClient(t, '127.0.0.1', server.port);
  const local = sock.localPort();
  sock.write('echo me');
  sock.destroy();
  const n = log.length;
  await sleep(100);
  assert.equal(log.length, n, 'no event after destroy()');
  assert.equal(sock.status(), 0);
  assert.equal(sock.write('x'), 0);
  const taker = await udpPeer(t, { port: local });
  assert.equal(taker.port, local);
});
