// status() numbers and status(true) names (docs/spec.md "Status").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket, T, cleanup, connectedPair, once, record, tcpServer } from './helpers.js';

const NAMES = ['Unconnected', 'HostLookUp', 'Connecting', 'Connected', 'Bound', 'Closing', 'Listening'];

test('a new socket is Unconnected: 0 / "Unconnected"', T, (t) => {
  const sock = cleanup(t)(new Socket());
  assert.equal(sock.status(), 0);
  assert.equal(sock.status(false), 0);
  assert.equal(sock.status(true), 'Unconnected');
  assert.equal(typeof sock.status(), 'number');
});

test('Connecting (2) right after connect(literal), Connected (3) after connected', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const connected = once(sock, 'connected');
  sock.connect('127.0.0.1', server.port);
  assert.equal(sock.status(), 2);
  assert.equal(sock.status(true), 'Connecting');
  await connected;
  assert.equal(sock.status(), 3);
  assert.equal(sock.status(true), 'Connected');
});

test('HostLookUp (1) right after connect(name)', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const log = record(sock);
  sock.connect('localhost', server.port);
  assert.equal(sock.status(), 1);
  assert.equal(sock.status(true), 'HostLookUp');
  await log.until('connected');
  assert.equal(sock.status(), 3);
});

test('Listening (6) after a TCP listen, Bound (4) after a UDP listen', T, (t) => {
  const track = cleanup(t);
  const tcp = track(new Socket());
  assert.equal(tcp.listen(0, '127.0.0.1'), true);
  assert.equal(tcp.status(), 6);
  assert.equal(tcp.status(true), 'Listening');

  const udp = track(new Socket({ protocol: 'udp' }));
  assert.equal(udp.protocol(), 'udp');
  assert.equal(udp.listen(0, '127.0.0.1'), true);
  assert.equal(udp.status(), 4);
  assert.equal(udp.status(true), 'Bound');
});

test('Closing (5) while close() flushes pending output', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  peer.pause(); // keep the output pending
  sock.write(new Uint8Array(8 * 1024 * 1024));
  sock.close();
  assert.equal(sock.status(), 5);
  assert.equal(sock.status(true), 'Closing');
  peer.resume();
  await once(sock, 'disconnected', 8000);
  assert.equal(sock.status(), 0);
});

test('stateChanged detail carries the number and the name; the method gets the name', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const seen = [];
  sock.stateChangedEvent = (name) => seen.push(name);
  const log = record(sock, ['stateChanged']);
  sock.connect('127.0.0.1', server.port);
  await once(sock, 'connected');
  const disconnected = once(sock, 'disconnected');
  sock.close();
  await disconnected;
  for (const { detail } of log) {
    assert.equal(typeof detail.status, 'number');
    assert.equal(NAMES[detail.status], detail.name);
  }
  assert.deepEqual(seen, log.map((e) => e.detail.name));
  assert.deepEqual(seen.slice(0, 2), ['Connecting', 'Connected']);
  assert.equal(seen.at(-1), 'Unconnected');
});
