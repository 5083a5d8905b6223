// connect(): IP literals, host names, failures, the connect timeout (docs/spec.md "Functions",
// "Events" and their orders).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import {
  Socket, T, cleanup, connectedPair, freePort, hasIPv6, once, record, sleep, stalledPort, tcpServer,
} from './helpers.js';

test('IPv4 literal: Connecting → Connected → connected, no HostLookUp, addresses set', T, async (t) => {
  const { sock, peer, server, log } = await connectedPair(t);
  assert.deepEqual(log.labels(), ['stateChanged(Connecting)', 'stateChanged(Connected)', 'connected']);
  assert.equal(sock.status(), 3);
  assert.equal(sock.remoteIp(), '127.0.0.1');
  assert.equal(sock.remotePort(), server.port);
  assert.equal(sock.localIp(), '127.0.0.1');
  assert.equal(sock.localPort(), peer.remotePort);
  assert.equal(sock.lastError(), '');
});

test('data flows both ways once connected', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const data = once(sock, 'dataAvailable');
  peer.write('ping');
  await data;
  assert.equal(sock.read(), 'ping');
  assert.equal(sock.write('pong'), 4);
  await peer.received.waitBytes(4);
  assert.equal(peer.received.text, 'pong');
});

test('port as a numeric string is accepted', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const connected = once(sock, 'connected');
  assert.equal(sock.connect('127.0.0.1', String(server.port)), true);
  await connected;
  assert.equal(sock.remotePort(), server.port);
});

for (const form of ['::1', '[::1]']) {
  test(`IPv6 literal ${form}`, T, async (t) => {
    if (!(await hasIPv6())) return t.skip('no IPv6 loopback on this machine');
    const { sock, peer, server, log } = await connectedPair(t, { host: form });
    assert.deepEqual(log.labels(), ['stateChanged(Connecting)', 'stateChanged(Connected)', 'connected']);
    assert.equal(sock.remoteIp(), '::1');
    assert.equal(sock.remotePort(), server.port);
    assert.equal(sock.localIp(), '::1');
    assert.equal(sock.localPort(), peer.remotePort);
  });
}

test("'localhost': HostLookUp → hostFound → Connecting → Connected → connected", T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer({ host: '127.0.0.1' }));
  // Should 'localhost' resolve to ::1 first here, a listener there too (same port when free).
  if (await hasIPv6()) {
    try { track(await tcpServer({ host: '::1', port: server.port })); } catch { /* port taken on ::1 */ }
  }
  const sock = track(new Socket());
  const log = record(sock);
  assert.equal(sock.connect('localhost', server.port), true);
  assert.equal(sock.status(), 1, 'HostLookUp right after connect(name)');
  assert.equal(sock.status(true), 'HostLookUp');
  await once(sock, 'connected');
  assert.deepEqual(log.labels(), [
    'stateChanged(HostLookUp)', 'hostFound', 'stateChanged(Connecting)', 'stateChanged(Connected)', 'connected',
  ]);
  assert.ok(['127.0.0.1', '::1'].includes(sock.remoteIp()), sock.remoteIp());
  assert.equal(sock.remotePort(), server.port);
});

test('refused port: connectFailed → error(ConnectionRefused) → stateChanged(Unconnected)', T, async (t) => {
  const track = cleanup(t);
  const port = await freePort();
  const sock = track(new Socket());
  const log = record(sock);
  const calls = [];
  sock.connectFailedEvent = (reason) => calls.push(['connectFailedEvent', reason]);
  sock.errorEvent = (code, message) => calls.push(['errorEvent', code, message]);
  assert.equal(sock.connect('127.0.0.1', port), true);
  assert.equal(sock.status(), 2, 'Connecting right after connect(literal)');
  await log.until('error');
  await sleep(50);
  assert.deepEqual(log.labels(), [
    'stateChanged(Connecting)', 'connectFailed(ConnectionRefused)', 'error(ConnectionRefused)', 'stateChanged(Unconnected)',
  ]);
  const failed = log.of('connectFailed')[0].detail;
  assert.equal(typeof failed.reason, 'string');
  assert.ok(failed.reason.length > 0);
  const error = log.of('error')[0].detail;
  assert.ok(error.message.length > 0);
  assert.equal(calls[0][0], 'connectFailedEvent');
  assert.equal(calls[0][1], failed.reason);
  assert.deepEqual(calls[1], ['errorEvent', 'ConnectionRefused', error.message]);
  assert.equal(sock.status(), 0);
  assert.notEqual(sock.lastError(), '');
  assert.equal(log.of('disconnected').length, 0, 'no disconnected for a connection never up');
});

test('after a failed connect the socket can connect again', T, async (t) => {
  const track = cleanup(t);
  const sock = track(new Socket());
  assert.equal(sock.connect('127.0.0.1', await freePort()), true);
  await once(sock, 'error');
  await sleep(20);
  const server = track(await tcpServer());
  const connected = once(sock, 'connected');
  assert.equal(sock.connect('127.0.0.1', server.port), true);
  await connected;
  assert.equal(sock.status(true), 'Connected');
});

test('connect() again inside connectFailedEvent: the first attempt\'s error and Unconnected still come, then the second attempt\'s events', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const log = record(sock);
  const seen = [];
  sock.connectFailedEvent = () => {
    seen.push(['in connectFailed', sock.status(true)]);
    seen.push(['connect again', sock.connect('127.0.0.1', server.port)]);
  };
  sock.errorEvent = () => seen.push(['in error', sock.status(true)]);
  assert.equal(sock.connect('127.0.0.1', await freePort()), true);
  await log.until('connected');
  assert.deepEqual(seen, [['in connectFailed', 'Unconnected'], ['connect again', true], ['in error', 'Connecting']]);
  assert.deepEqual(log.labels(), [
    'stateChanged(Connecting)', 'connectFailed(ConnectionRefused)', 'error(ConnectionRefused)', 'stateChanged(Unconnected)',
    'stateChanged(Connecting)', 'stateChanged(Connected)', 'connected',
  ]);
});

test('unknown host name: connectFailed → error(HostNotFound) → stateChanged(Unconnected)', T, async (t) => {
  // The resolver is ours (no query leaves the machine): it answers as a real one does for a
  // name that does not exist.
  const original = dns.lookup;
  let asked = 0;
  dns.lookup = (host, options, callback) => {
    if (host !== 'no-such-host.invalid') return original(host, options, callback);
    asked++;
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
    process.nextTick(callback, err);
  };
  t.after(() => { dns.lookup = original; });
  const sock = cleanup(t)(new Socket());
  const log = record(sock);
  assert.equal(sock.connect('no-such-host.invalid', 80), true);
  await log.until('error', 8000);
  await sleep(50);
  assert.deepEqual(log.labels(), [
    'stateChanged(HostLookUp)', 'connectFailed(HostNotFound)', 'error(HostNotFound)', 'stateChanged(Unconnected)',
  ]);
  assert.equal(sock.status(), 0);
  assert.notEqual(sock.lastError(), '');
  assert.equal(asked, 1, 'the name went to our resolver');
});

test('connectTimeout option: a handshake that never completes fails with SocketTimeout', T, async (t) => {
  const track = cleanup(t);
  const stalled = await stalledPort();
  if (!stalled) return t.skip('cannot make a loopback handshake hang on this machine');
  track(() => stalled.close());
  const sock = track(new Socket({ connectTimeout: 400 }));
  assert.equal(sock.connectTimeout(), 400);
  const log = record(sock);
  const started = Date.now();
  assert.equal(sock.connect('127.0.0.1', stalled.port), true);
  await log.until('error', 5000);
  const elapsed = Date.now() - started;
  await sleep(20);
  assert.ok(elapsed >= 350, `failed after ${elapsed} ms, before the 400 ms timeout`);
  assert.deepEqual(log.labels(), [
    'stateChanged(Connecting)', 'connectFailed(SocketTimeout)', 'error(SocketTimeout)', 'stateChanged(Unconnected)',
  ]);
  assert.equal(sock.status(), 0);
});

test('setConnectTimeout() applies to the next connect', T, async (t) => {
  const track = cleanup(t);
  const stalled = await stalledPort();
  if (!stalled) return t.skip('cannot make a loopback handshake hang on this machine');
  track(() => stalled.close());
  const sock = track(new Socket());
  assert.equal(sock.connectTimeout(), 60000, 'default');
  sock.setConnectTimeout(300);
  assert.equal(sock.connectTimeout(), 300);
  const failed = once(sock, 'connectFailed', 5000);
  assert.equal(sock.connect('127.0.0.1', stalled.port), true);
  assert.equal((await failed).detail.code, 'SocketTimeout');
});

test('a subclass may connect in its constructor (the seed example shape)', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const events = [];
  class Client extends Socket {
    constructor(port) {
      super();
      this.started = this.connect('127.0.0.1', port);
    }
    connectedEvent() { events.push('connected'); this.write('hello'); }
  }
  const client = track(new Client(server.port));
  assert.equal(client.started, true);
  const peer = track(await server.next());
  await peer.received.waitBytes(5);
  assert.equal(peer.received.text, 'hello');
  assert.deepEqual(events, ['connected']);
});

test('remote addresses are set while Connecting, local ones only once Connected', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const connected = once(sock, 'connected');
  assert.equal(sock.connect('127.0.0.1', server.port), true);
  assert.equal(sock.remoteIp(), '127.0.0.1');
  assert.equal(sock.remotePort(), server.port);
  assert.equal(sock.localIp(), '');
  assert.equal(sock.localPort(), 0);
  await connected;
  assert.equal(sock.localIp(), '127.0.0.1');
  assert.ok(sock.localPort() > 0);
});

test('after hostFound the remote address is the resolved one', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const seen = [];
  sock.hostFoundEvent = () => seen.push([sock.status(true), sock.remoteIp(), sock.remotePort()]);
  const connected = once(sock, 'connected');
  assert.equal(sock.connect('localhost', server.port), true);
  await connected;
  assert.equal(seen.length, 1);
  assert.equal(seen[0][0], 'Connecting');
  assert.ok(['127.0.0.1', '::1'].includes(seen[0][1]), seen[0][1]);
  assert.equal(seen[0][2], server.port);
});

test("a refused connect by name: HostLookUp, hostFound, Connecting, then the failure", T, async (t) => {
  const sock = cleanup(t)(new Socket());
  const log = record(sock);
  assert.equal(sock.connect('localhost', await freePort()), true);
  await log.until('error');
  await sleep(50);
  const labels = log.labels();
  assert.deepEqual(labels.slice(0, 3), ['stateChanged(HostLookUp)', 'hostFound', 'stateChanged(Connecting)']);
  assert.deepEqual(labels.slice(-3), ['connectFailed(ConnectionRefused)', 'error(ConnectionRefused)', 'stateChanged(Unconnected)']);
  assert.equal(log.of('connected').length, 0);
});

test('the connect timeout does not fire once connected', T, async (t) => {
  const { sock, log } = await connectedPair(t, { socket: new Socket({ connectTimeout: 150 }) });
  await sleep(400);
  assert.equal(sock.status(true), 'Connected');
  assert.equal(log.of('error').length, 0);
  assert.equal(log.of('connectFailed').length, 0);
});
