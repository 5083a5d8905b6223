// UDP (SPEC.md: setProtocol, listen → Bound, "one write, one datagram", reads per datagram).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Socket, T, cleanup, listenPort, sleep, waitUntil } from './helpers.js';

/** A node:dgram socket bound on 127.0.0.1, collecting what it receives. */
function udpPeer(t) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.messages = [];
    s.on('message', (msg, rinfo) => s.messages.push({ msg, rinfo }));
    t.after(() => new Promise((r) => s.close(r)));
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

test('UDP connect: each write is one datagram', T, async (t) => {
  const peer = await udpPeer(t);
  const sock = cleanup(t)(new Socket());
  assert.equal(sock.setProtocol('udp'), true);
  assert.equal(sock.connect('127.0.0.1', peer.address().port), true);
  assert.equal(sock.write('first'), 5);
  assert.equal(sock.write(new Uint8Array([0, 1, 2])), 3);
  assert.equal(sock.write(['x', 0x79]), 2);
  await waitUntil(() => peer.messages.length >= 3, 3000, 'three datagrams');
  await sleep(50);
  assert.deepEqual(peer.messages.map((m) => [...m.msg]), [[...Buffer.from('first')], [0, 1, 2], [0x78, 0x79]]);
});

test('UDP listen: status Bound, reads take from the oldest datagram only', T, async (t) => {
  const sock = cleanup(t)(new Socket({ protocol: 'udp' }));
  assert.equal(sock.listen(0, '127.0.0.1'), true);
  assert.equal(sock.status(true), 'Bound');
  await listenPort(sock);
  assert.equal(sock.localIp(), '127.0.0.1');
  const sender = await udpPeer(t);
  let events = 0;
  sock.dataAvailableEvent = () => { events++; };
  sender.send('one-datagram', sock.localPort(), '127.0.0.1');
  await waitUntil(() => events >= 1, 3000, 'the first datagram');
  sender.send('second', sock.localPort(), '127.0.0.1');
  await waitUntil(() => events >= 2, 3000, 'the second datagram');

  assert.equal(sock.read(3), 'one', 'the first datagram, cut to length');
  assert.equal(sock.remoteIp(), '127.0.0.1');
  assert.equal(sock.remotePort(), sender.address().port);
  assert.equal(sock.read(), 'second', 'the rest of the first datagram was discarded');
  assert.equal(sock.read(), '');
});

test('UDP readBytes on a bound socket returns one whole datagram', T, async (t) => {
  const sock = cleanup(t)(new Socket({ protocol: 'udp' }));
  assert.equal(sock.listen(0, '127.0.0.1'), true);
  await listenPort(sock);
  const sender = await udpPeer(t);
  sender.send(Buffer.from([0, 0xff, 1]), sock.localPort(), '127.0.0.1');
  sender.send(Buffer.from([2, 3]), sock.localPort(), '127.0.0.1');
  await waitUntil(() => sock.bytesAvailable() > 0, 3000, 'a datagram');
  await sleep(50);
  assert.deepEqual([...sock.readBytes()], [0, 0xff, 1]);
  assert.deepEqual([...sock.readBytes()], [2, 3]);
});

test('close() on a Bound socket stops it', T, async (t) => {
  const sock = cleanup(t)(new Socket({ protocol: 'udp' }));
  assert.equal(sock.listen(0, '127.0.0.1'), true);
  sock.close();
  assert.equal(sock.status(), 0);
  assert.equal(sock.protocol(), 'udp');
  assert.equal(sock.listen(0, '127.0.0.1'), true, 'can bind again');
  assert.equal(sock.status(true), 'Bound');
});
