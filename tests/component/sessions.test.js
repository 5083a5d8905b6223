// The same scripted sessions through the wasm-bindgen build (pkg/) and through the WebAssembly
// component (transpiled by jco): the transcripts (every call's result, every action, every
// event) must be equal, and they must be what docs/spec.md says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transcripts, eventsOf, actionsOf, hex } from './drivers.js';

const utf8 = (text) => new TextEncoder().encode(text);
const bytes = (...items) => Uint8Array.from(items);

/** Runs `session` on both builds, asserts equal transcripts, returns the component's. */
async function same(session) {
  const t = await transcripts(session);
  assert.deepStrictEqual(t.component, t['wasm-bindgen'], 'the component and the wasm-bindgen build differ');
  assert.ok(t.component.length > 0);
  return t.component;
}

const types = (events) => events.map((e) => e.type);

test('writes let through when nothing waits, else queued and sent in their place', async () => {
  const log = await same((s) => {
    s.writeThrough(utf8('abc'), 1);
    s.connect('127.0.0.1', 6667, 0);
    const { id } = s.lastAction('connect');
    s.writeThrough(utf8('wait'), 1);
    s.write(utf8('ab'));
    s.connected(id, ['127.0.0.1', 50000], ['127.0.0.1', 6667]);
    s.writeThrough(utf8('later'), 1);
    s.bufferedAmount();
    s.sent(id, 11);
    s.writeThrough(utf8('now'), 2);
    s.bufferedAmount();
  });
  assert.deepStrictEqual(calls(log, 'writeThrough'), ['refused', 'queued', 'queued', 'now']);
  assert.deepStrictEqual(calls(log, 'bufferedAmount'), [11, 0]);
  assert.deepStrictEqual(actionsOf(log).filter((a) => a.type === 'send'), [
    { type: 'send', id: '#1', data: hex(utf8('wait')) },
    { type: 'send', id: '#1', data: hex(utf8('ab')) },
    { type: 'send', id: '#1', data: hex(utf8('later')) },
  ]);
});

const calls = (log, name) => log.filter((l) => l.call === name).map((l) => l.result);

test('connect by IP literal, write, receive, read, peer close', async () => {
  const log = await same((s) => {
    s.connect('127.0.0.1', 6667, 1000);
    s.status();
    s.remote();
    s.pollTimeout();
    const { id } = s.lastAction('connect');
    s.connected(id, ['127.0.0.1', 50000], ['127.0.0.1', 6667]);
    s.status();
    s.remote();
    s.local();
    s.pollTimeout();
    s.write(utf8('NICK kv\r\nUSER kv 0 * :kv\r\n'));
    s.bufferedAmount();
    s.sent(id, 9);
    s.bufferedAmount();
    s.sent(id, 17);
    s.bufferedAmount();
    // "PING :x\r\n", a NUL, then the first byte of 'é' (0xc3 0xa9): the read of everything
    // keeps the partial character for later.
    s.received(id, bytes(...utf8('PING :x\r\n'), 0, 0x41, 0xc3));
    s.bytesAvailable();
    s.read(4);
    s.readHex(2);
    s.read();
    s.bytesAvailable();
    s.received(id, bytes(0xa9, 0x21));
    s.read(0);
    s.received(id, utf8('bye'));
    s.readBytes(1);
    s.peerClosed(id);
    s.status();
    s.read();
    s.lastError();
    s.write(utf8('late'));
    s.lastError();
  });

  const events = eventsOf(log);
  assert.deepStrictEqual(events, [
    { type: 'stateChanged', status: 2, name: 'Connecting' },
    { type: 'stateChanged', status: 3, name: 'Connected' },
    { type: 'connected' },
    { type: 'dataAvailable', length: 12 },
    { type: 'dataAvailable', length: 3 },
    { type: 'dataAvailable', length: 3 },
    { type: 'stateChanged', status: 0, name: 'Unconnected' },
    { type: 'disconnected', error: '' },
  ]);
  assert.deepStrictEqual(actionsOf(log), [
    { type: 'connect', id: '#1', ip: '127.0.0.1', port: 6667, protocol: 'tcp' },
    { type: 'send', id: '#1', data: hex(utf8('NICK kv\r\nUSER kv 0 * :kv\r\n')) },
    { type: 'shutdown', id: '#1' },
  ]);
  assert.deepStrictEqual(calls(log, 'status'), [2, 3, 0]);
  assert.deepStrictEqual(calls(log, 'remote'), [['127.0.0.1', 6667], ['127.0.0.1', 6667]]);
  assert.deepStrictEqual(calls(log, 'local'), [['127.0.0.1', 50000]]);
  assert.deepStrictEqual(calls(log, 'pollTimeout'), [61000, null]);
  assert.deepStrictEqual(calls(log, 'bufferedAmount'), [26, 17, 0]);
  // NUL reads as U+00FF; the 0xc3 waits for its 0xa9.
  assert.deepStrictEqual(calls(log, 'read'), ['PING', 'x\r\n\u00ffA', '\u00e9!', 'ye']);
  assert.deepStrictEqual(calls(log, 'readHex'), ['203a']);
  assert.deepStrictEqual(calls(log, 'readBytes'), ['62']);
  assert.deepStrictEqual(calls(log, 'write'), [26, 0]);
  assert.match(calls(log, 'lastError')[1], /Unconnected/);
});

test('lookup, first address refused, second times out; lookup failure; connect deadline', async () => {
  const log = await same((s, { newSocket }) => {
    s.connect('irc.example.org.', '6697', 0);
    s.status();
    s.pollTimeout();
    const lookup = s.lastAction('resolve');
    s.resolved(lookup.id, ['::1', '192.0.2.7']);
    s.remote();
    s.failed(s.lastAction('connect').id, 'ECONNREFUSED');
    s.remote();
    s.failed(lookup.id, 'ENOTFOUND'); // stale: ignored
    s.failed(s.lastAction('connect').id, 'ETIMEDOUT');
    s.status();
    s.lastError();

    const n = newSocket('nameless');
    n.connect('nowhere.invalid', 80, 0);
    n.failed(n.lastAction('resolve').id, 'ENOTFOUND');

    const d = newSocket('deadline');
    d.setConnectTimeout(5000);
    d.connect('10.0.0.1', 80, 100);
    d.pollTimeout();
    d.timeout(5099);
    d.timeout(5100);
    d.status();

    const bad = newSocket('refused-commands');
    bad.connect('', 80, 0);
    bad.lastError();
    bad.connect('256.1.1.1', 80, 0);
    bad.connect('localhost', 'abc', 0);
    bad.connect('localhost', 1.5, 0);
    bad.connect('localhost', 65536, 0);
    bad.connect('[::1]', null, 0);
    bad.setConnectTimeout(0);
    bad.setProtocol('sctp');
    bad.listen(70000, '', false);
    bad.listen(0, 'localhost', false);
    bad.lastError();
  });

  assert.deepStrictEqual(actionsOf(log), [
    { type: 'resolve', id: '#1', host: 'irc.example.org' },
    { type: 'connect', id: '#2', ip: '::1', port: 6697, protocol: 'tcp' },
    { type: 'connect', id: '#3', ip: '192.0.2.7', port: 6697, protocol: 'tcp' },
    { type: 'abort', id: '#3' },
  ]);
  assert.deepStrictEqual(eventsOf(log), [
    { type: 'stateChanged', status: 1, name: 'HostLookUp' },
    { type: 'hostFound' },
    { type: 'stateChanged', status: 2, name: 'Connecting' },
    { type: 'connectFailed', code: 'SocketTimeout', reason: 'Connection timed out' },
    { type: 'error', code: 'SocketTimeout', message: 'Connection timed out' },
    { type: 'stateChanged', status: 0, name: 'Unconnected' },
  ]);
  assert.deepStrictEqual(types(eventsOf(log, 'nameless')), [
    'stateChanged', 'connectFailed', 'error', 'stateChanged',
  ]);
  assert.equal(eventsOf(log, 'nameless')[1].code, 'HostNotFound');
  assert.deepStrictEqual(eventsOf(log, 'deadline')[1], {
    type: 'connectFailed', code: 'SocketTimeout', reason: 'Connection timed out',
  });
  const refused = log.filter((l) => l.socket === 'refused-commands' && l.call);
  assert.deepStrictEqual(
    refused.filter((l) => l.call !== 'lastError').map((l) => l.result),
    Array(10).fill(false),
  );
  assert.match(refused[1].result, /invalid host/);
  assert.deepStrictEqual(eventsOf(log, 'refused-commands'), []);
});

test('listen, incoming connection, accept into another socket, echo, close with output pending', async () => {
  const log = await same((server, { newSocket }) => {
    server.listen(0, '', false);
    server.status();
    const { id } = server.lastAction('listen');
    server.local();
    server.listening(id, ['0.0.0.0', 40000]);
    server.listening(id, ['0.0.0.0', 40000]); // reported twice: told once
    server.local();
    const child = server.incoming(id, ['127.0.0.1', 40000], ['127.0.0.1', 50123]);
    server.incoming(id + 1000, ['127.0.0.1', 40000], ['127.0.0.1', 50124]); // not ours: null
    child.status();
    child.remote();
    const childId = child.currentId();
    child.received(childId, utf8('hello\n'));
    child.write(utf8('queued by the handler\n'));

    const other = newSocket('other');
    other.adopt(child);
    other.status();
    other.read();
    other.remote();
    child.status();
    child.adopt(other); // child is destroyed now
    other.adopt(child);
    other.write(utf8('echo: hello\n'));
    other.close();
    other.status();
    other.sent(childId, 22);
    other.status();
    other.sent(childId, 12);
    other.status();
    server.close();
    server.status();
  });

  assert.deepStrictEqual(actionsOf(log, 'socket'), [
    { type: 'listen', id: '#1', ip: '0.0.0.0', port: 0, ipv6Only: false, protocol: 'tcp' },
    { type: 'abort', id: '#1' },
  ]);
  assert.deepStrictEqual(types(eventsOf(log, 'socket')), [
    'stateChanged', 'listening', 'incomingConnection', 'stateChanged',
  ]);
  assert.deepStrictEqual(eventsOf(log, 'socket')[1], { type: 'listening', ip: '0.0.0.0', port: 40000 });
  assert.deepStrictEqual(calls(log, 'incoming'), ['socket.child', null]);
  // (#2 is the id of the stray incoming connection.) The child told its dataAvailable and sent
  // at once (the host drains after every call); the connection, its unread bytes and its unsent
  // count moved to `other`, which is born connected (no stateChanged).
  assert.deepStrictEqual(eventsOf(log, 'socket.child'), [{ type: 'dataAvailable', length: 6 }]);
  assert.deepStrictEqual(actionsOf(log, 'socket.child'), [
    { type: 'send', id: '#3', data: hex(utf8('queued by the handler\n')) },
  ]);
  assert.deepStrictEqual(actionsOf(log, 'other'), [
    { type: 'send', id: '#3', data: hex(utf8('echo: hello\n')) },
    { type: 'shutdown', id: '#3' },
  ]);
  assert.deepStrictEqual(eventsOf(log, 'other'), [
    { type: 'stateChanged', status: 5, name: 'Closing' },
    { type: 'stateChanged', status: 0, name: 'Unconnected' },
    { type: 'disconnected', error: '' },
  ]);
  assert.deepStrictEqual(
    log.filter((l) => l.call === 'adopt').map((l) => [l.socket, l.result]),
    [['other', true], ['socket.child', false], ['other', false]],
  );
  assert.deepStrictEqual(calls(log, 'read'), ['hello\n']);
});

test('UDP bound socket, datagrams with senders, backpressure and drain, reserve and fill', async () => {
  const log = await same((s, { newSocket }) => {
    s.setProtocol('UDP');
    s.protocol();
    s.listen(0, '127.0.0.1', false);
    s.status();
    const { id } = s.lastAction('listen');
    s.listening(id, ['127.0.0.1', 41000]);
    s.write(utf8('nobody yet'));
    s.received(id, utf8('first datagram'), ['127.0.0.1', 5000]);
    s.received(id, utf8('second'), ['::1', 5001]);
    s.read(5); // takes 5 bytes of the first datagram, discards the rest
    s.remote();
    s.write(utf8('to 5000'));
    s.read();
    s.remote();
    s.write(utf8('to 5001'));
    s.close();
    s.status();

    const t = newSocket('tcp');
    t.setHighWaterMark(8);
    t.connect('::1', 7000, 0);
    const tid = t.lastAction('connect').id;
    t.write(utf8('before connect'));
    const slot = t.reserve(4);
    t.write(utf8('after'));
    t.connected(tid, ['::1', 50000], ['::1', 7000]);
    t.bufferedAmount();
    t.fill(slot, utf8('BLOB'));
    t.sent(tid, 14);
    t.sent(tid, 9);
    t.bufferedAmount();
    t.destroy();
    t.status();
    t.write(utf8('x'));
    t.connect('::1', 7000, 0);
    t.lastError();
  });

  assert.deepStrictEqual(actionsOf(log), [
    { type: 'listen', id: '#1', ip: '127.0.0.1', port: 0, ipv6Only: false, protocol: 'udp' },
    { type: 'send', id: '#1', data: hex(utf8('to 5000')), ip: '127.0.0.1', port: 5000 },
    { type: 'send', id: '#1', data: hex(utf8('to 5001')), ip: '::1', port: 5001 },
    { type: 'abort', id: '#1' },
  ]);
  assert.deepStrictEqual(calls(log, 'read'), ['first', 'second']);
  assert.deepStrictEqual(calls(log, 'status').slice(0, 2), [4, 0]);
  assert.deepStrictEqual(actionsOf(log, 'tcp').map((a) => [a.type, a.data && Buffer.from(a.data, 'hex').toString()]), [
    ['connect', undefined],
    ['send', 'before connect'],
    ['send', 'BLOB'],
    ['send', 'after'],
    ['abort', undefined],
  ]);
  assert.deepStrictEqual(types(eventsOf(log, 'tcp')), ['stateChanged', 'stateChanged', 'connected', 'drain']);
  assert.deepStrictEqual(calls(log, 'bufferedAmount'), [23, 0]);
  assert.match(calls(log, 'lastError').at(-1), /destroyed/);
});

test('a transport that resolves names itself gets the name (connect-name)', async () => {
  const log = await same((s) => {
    s.setTransportResolvesNames(true);
    s.connect('irc.libera.chat', 6697, 0);
    s.status();
    s.remote();
    const { id } = s.lastAction('connect');
    s.failed(id, 'ProxyConnectionRefused');
    s.lastError();
  });
  assert.deepStrictEqual(actionsOf(log)[0], {
    type: 'connect', id: '#1', host: 'irc.libera.chat', port: 6697, protocol: 'tcp',
  });
  assert.deepStrictEqual(calls(log, 'status'), [2]);
  assert.equal(eventsOf(log)[1].code, 'ProxyConnectionRefused');
});
