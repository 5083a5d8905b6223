// Every bad input docs/spec.md names: false (with lastError) or TypeError, and nothing started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket, T, cleanup, connectedPair, record, sleep, tcpServer } from './helpers.js';

const show = (v) => (typeof v === 'string' || (v && typeof v === 'object') ? JSON.stringify(v) : String(v));

test('a fresh socket has no lastError', T, (t) => {
  assert.equal(cleanup(t)(new Socket()).lastError(), '');
});

test('connect with a bad port returns false, says why, starts nothing', T, async (t) => {
  const track = cleanup(t);
  for (const port of [0, 65536, 1.5, 'abc', -1, null, undefined, NaN, Infinity, '', '1.5', '70000', {}, [80]]) {
    const sock = track(new Socket());
    const log = record(sock);
    assert.equal(sock.connect('127.0.0.1', port), false, `connect(host, ${show(port)})`);
    assert.notEqual(sock.lastError(), '', `lastError after port ${show(port)}`);
    assert.equal(sock.status(), 0);
    await sleep(5);
    assert.deepEqual(log.labels(), [], `no event after port ${show(port)}`);
  }
});

test('connect with a bad host returns false, says why, starts nothing', T, async (t) => {
  const track = cleanup(t);
  for (const host of [
    '', 'a..b', '-x', 'x-', '1.2.3.4.5', '[::1', '::1]', '[127.0.0.1]', 'a b', 'host:80', `${'a'.repeat(64)}.com`,
    ':::1', 'fe80::1::2', 123, null, undefined, {}, ['127.0.0.1'],
  ]) {
    const sock = track(new Socket());
    const log = record(sock);
    assert.equal(sock.connect(host, 80), false, `connect(${show(host)}, 80)`);
    assert.notEqual(sock.lastError(), '', `lastError after host ${show(host)}`);
    assert.equal(sock.status(), 0);
    await sleep(5);
    assert.deepEqual(log.labels(), [], `no event after host ${show(host)}`);
  }
});

test('connect when not Unconnected returns false', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());

  const connecting = track(new Socket());
  assert.equal(connecting.connect('127.0.0.1', server.port), true);
  assert.equal(connecting.connect('127.0.0.1', server.port), false, 'while Connecting');
  assert.notEqual(connecting.lastError(), '');

  const lookingUp = track(new Socket());
  assert.equal(lookingUp.connect('localhost', server.port), true);
  assert.equal(lookingUp.connect('localhost', server.port), false, 'while HostLookUp');

  const listening = track(new Socket());
  assert.equal(listening.listen(0, '127.0.0.1'), true);
  assert.equal(listening.connect('127.0.0.1', server.port), false, 'while Listening');
  assert.notEqual(listening.lastError(), '');

  const { sock } = await connectedPair(t);
  assert.equal(sock.connect('127.0.0.1', server.port), false, 'while Connected');
  assert.notEqual(sock.lastError(), '');
  assert.equal(sock.status(true), 'Connected', 'the connection is untouched');
});

test('setProtocol: any case of tcp/udp, false for other names or when not Unconnected', T, async (t) => {
  const track = cleanup(t);
  const sock = track(new Socket());
  assert.equal(sock.protocol(), 'tcp');
  for (const bad of ['sctp', '', 'tcp ', 'udp4', null, undefined, 6]) {
    assert.equal(sock.setProtocol(bad), false, `setProtocol(${show(bad)})`);
    assert.notEqual(sock.lastError(), '');
    assert.equal(sock.protocol(), 'tcp');
  }
  // A name that is not a string is said so, not shown as '' (as connect's host is).
  assert.match(sock.lastError(), /not a string/);
  assert.equal(sock.setProtocol(''), false);
  assert.match(sock.lastError(), /unknown protocol ""/);
  assert.equal(sock.setProtocol('UDP'), true);
  assert.equal(sock.protocol(), 'udp');
  assert.equal(sock.setProtocol('Tcp'), true);
  assert.equal(sock.protocol(), 'tcp');

  const { sock: connected } = await connectedPair(t);
  assert.equal(connected.setProtocol('udp'), false, 'while Connected');
  assert.equal(connected.protocol(), 'tcp');

  const listening = track(new Socket());
  listening.listen(0, '127.0.0.1');
  assert.equal(listening.setProtocol('udp'), false, 'while Listening');
});

test('new Socket({ protocol }) sets the protocol', T, (t) => {
  const track = cleanup(t);
  assert.equal(track(new Socket({ protocol: 'udp' })).protocol(), 'udp');
  assert.equal(track(new Socket({ protocol: 'tcp' })).protocol(), 'tcp');
  assert.equal(track(new Socket({})).protocol(), 'tcp');
});

// issue 19, item 4: the engine reads the options object (serde-wasm-bindgen) and refuses every
// wrong option there, with a TypeError whose message names it; the facade throws what it says.
test('new Socket(options): unknown options, wrong types and refused values throw TypeError naming the option', T, (t) => {
  const track = cleanup(t);
  const cases = [
    [5, /Socket options must be an object, got 5/],
    ['tcp', /must be an object, got "tcp"/],
    [{ conectTimeout: 1000 }, /unknown option "conectTimeout"; the options are proxy, connectTimeout, idleTimeout, protocol, tls, signal/],
    [{ forceIpv6: true }, /unknown option "forceIpv6"/],
    [{ connectTimeout: '1500' }, /option connectTimeout: invalid type: string "1500", expected a number$/],
    [{ idleTimeout: true }, /option idleTimeout: invalid type: boolean `true`/],
    [{ protocol: 17 }, /option protocol: invalid type/],
    [{ proxy: 8080 }, /option proxy: invalid type/],
    [{ connectTimeout: 0 }, /connect timeout/],
    [{ connectTimeout: 1.5 }, /connect timeout/],
    [{ idleTimeout: -1 }, /idle timeout/],
    [{ protocol: 'sctp' }, /unknown protocol "sctp"/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => new Socket(options), (err) => err instanceof TypeError && message.test(err.message), `new Socket(${show(options)})`);
  }
  // Absent, undefined and null options keep the defaults; a null value is an absent option.
  for (const options of [undefined, null, {}, { proxy: undefined, connectTimeout: null }]) {
    const sock = track(new Socket(options));
    assert.equal(sock.connectTimeout(), 60000);
    assert.equal(sock.protocol(), 'tcp');
  }
  const sock = track(new Socket({ connectTimeout: 1500, idleTimeout: 300, protocol: 'UDP', signal: new AbortController().signal }));
  assert.deepEqual([sock.connectTimeout(), sock.idleTimeout(), sock.protocol()], [1500, 300, 'udp']);
});

test('inspect(): the engine snapshot as a plain object (serde-wasm-bindgen)', T, async (t) => {
  const { sock } = await connectedPair(t);
  const snap = sock.inspect();
  assert.equal(Object.getPrototypeOf(snap), Object.prototype);
  assert.deepEqual(Object.keys(snap), ['status', 'protocol', 'remoteIp', 'remotePort', 'localIp', 'localPort',
    'bytesAvailable', 'bufferedAmount', 'needsDrain', 'idleTimeout', 'lastError']);
  assert.equal(snap.status, 'Connected');
  assert.equal(snap.remoteIp, '127.0.0.1');
  assert.equal(snap.remotePort, sock.remotePort());
  assert.equal(typeof snap.bufferedAmount, 'number');
  assert.equal(snap.needsDrain, false);
});

test('setConnectTimeout: a non-positive or non-integer value throws TypeError', T, (t) => {
  const sock = cleanup(t)(new Socket());
  assert.equal(sock.connectTimeout(), 60000);
  for (const bad of [0, -1, -1000, 1.5, NaN, Infinity, 'abc', null, undefined, {}]) {
    assert.throws(() => sock.setConnectTimeout(bad), TypeError, `setConnectTimeout(${show(bad)})`);
    assert.equal(sock.connectTimeout(), 60000);
  }
  sock.setConnectTimeout(1500);
  assert.equal(sock.connectTimeout(), 1500);
});

test('lastError is non-empty after each failed call and names something', T, (t) => {
  const track = cleanup(t);
  const messages = new Set();
  const sock = track(new Socket());
  assert.equal(sock.connect('127.0.0.1', 0), false);
  messages.add(sock.lastError());
  assert.equal(sock.connect('a..b', 80), false);
  messages.add(sock.lastError());
  assert.equal(sock.listen(99999), false);
  messages.add(sock.lastError());
  assert.equal(sock.setProtocol('sctp'), false);
  messages.add(sock.lastError());
  for (const m of messages) {
    assert.equal(typeof m, 'string');
    assert.ok(m.length > 3, JSON.stringify(m));
  }
  assert.ok(messages.size >= 2, `distinct messages for distinct failures: ${[...messages]}`);
});
