// The peer ends the connection (docs/spec.md "Events": peer closes, and disconnectEvent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, connectedPair, once, sleep } from './helpers.js';

test('peer writes then ends: dataAvailable … stateChanged(Unconnected), disconnected("")', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  const disconnected = once(sock, 'disconnected');
  peer.end('last words');
  await disconnected;
  await sleep(100);
  const after = log.labels().slice(3); // after Connecting, Connected, connected
  assert.ok(after.length >= 3, `${after}`);
  assert.ok(after.slice(0, -2).every((l) => l === 'dataAvailable'), `${after}`);
  assert.deepEqual(after.slice(-2), ['stateChanged(Unconnected)', 'disconnected("")']);
  assert.equal(log.of('dataAvailable').at(-1).detail.length, 10);
  assert.equal(log.of('error').length, 0, 'a clean end is no error');
});

test('the last bytes stay readable after the disconnect', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const disconnected = once(sock, 'disconnected');
  peer.write('first part, ');
  await sleep(30);
  peer.end(Buffer.from('last words\u0000'));
  await disconnected;
  assert.equal(sock.status(), 0);
  assert.equal(sock.bytesAvailable(), 23);
  assert.equal(sock.read(12), 'first part, ');
  assert.equal(sock.read(), 'last words\u00ff');
  assert.equal(sock.bytesAvailable(), 0);
});

test('disconnectEvent and disconnectedEvent both get "" exactly once', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const calls = [];
  sock.disconnectEvent = (error) => calls.push(['disconnectEvent', error]);
  sock.disconnectedEvent = (error) => calls.push(['disconnectedEvent', error]);
  const disconnected = once(sock, 'disconnected');
  peer.end();
  await disconnected;
  await sleep(100);
  assert.deepEqual(calls.sort(), [['disconnectEvent', ''], ['disconnectedEvent', '']]);
});

test('a peer that resets the connection: disconnected with an error message, once', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  const disconnected = once(sock, 'disconnected');
  peer.resetAndDestroy();
  const { detail } = await disconnected;
  await sleep(100);
  assert.equal(typeof detail.error, 'string');
  assert.notEqual(detail.error, '', 'a reset is not a clean end');
  assert.equal(log.of('disconnected').length, 1);
  assert.ok(log.of('error').length >= 1, 'the broken connection is reported by errorEvent');
  assert.equal(sock.status(), 0);
  assert.notEqual(sock.lastError(), '');
});

test('the socket can connect again after the peer closed', T, async (t) => {
  const { sock, peer, server } = await connectedPair(t);
  const disconnected = once(sock, 'disconnected');
  peer.end();
  await disconnected;
  const connected = once(sock, 'connected');
  assert.equal(sock.connect('127.0.0.1', server.port), true);
  await connected;
  assert.equal(sock.status(true), 'Connected');
});
