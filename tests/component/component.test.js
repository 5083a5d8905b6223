// What only the component has: the WIT's own types (typed addresses, result errors, enums) and
// free functions, driven directly through jco's bindings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadComponent, STATUS_CASES } from './drivers.js';

const { Socket, parseIp, ipToString, hexToBytes } = await loadComponent();

/** The message of a command's `err`, which jco throws as a ComponentError. */
function errorOf(f) {
  try {
    f();
  } catch (e) {
    assert.equal(typeof e.payload, 'string', `not a result error: ${e}`);
    return e.payload;
  }
  assert.fail('expected an err result');
}

test('the exports are the WIT interface', () => {
  assert.equal(typeof Socket, 'function');
  for (const f of [parseIp, ipToString, hexToBytes]) assert.equal(typeof f, 'function');
});

test('parse-ip and ip-to-string: the addresses hosts print, scripts see', () => {
  assert.deepStrictEqual(parseIp('127.0.0.1'), { tag: 'ipv4', val: [127, 0, 0, 1] });
  assert.deepStrictEqual(parseIp('[::1]'), { tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 1] });
  assert.deepStrictEqual(parseIp('fe80::1%eth0'), { tag: 'ipv6', val: [0xfe80, 0, 0, 0, 0, 0, 0, 1] });
  for (const bad of ['', 'localhost', '256.0.0.1', '[127.0.0.1]', '::1]']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
  for (const text of ['0.0.0.0', '192.0.2.7', '::', '::1', '2001:db8::8:800:200c:417a', '::ffff:127.0.0.1']) {
    assert.equal(ipToString(parseIp(text)), text);
  }
});

test('hex-to-bytes: writeHex\'s rule', () => {
  assert.deepStrictEqual(hexToBytes('00ffAb'), Uint8Array.from([0, 255, 0xab]));
  assert.deepStrictEqual(hexToBytes(''), new Uint8Array());
  assert.equal(hexToBytes('abc'), undefined);
  assert.equal(hexToBytes('zz'), undefined);
});

test('refused commands return err with the message last-error then returns', () => {
  const s = new Socket();
  const message = errorOf(() => s.connect('not a host', { tag: 'number', val: 80 }, 0n));
  assert.match(message, /invalid host/);
  assert.equal(s.lastError(), message);
  assert.match(errorOf(() => s.connect('::1', { tag: 'other' }, 0n)), /port must be an integer from 1 to 65535/);
  assert.match(errorOf(() => s.connect('::1', { tag: 'text', val: ' 80' }, 0n)), /port/);
  assert.match(errorOf(() => s.listen({ tag: 'number', val: 0 }, 'eth0', false)), /invalid interface/);
  assert.match(errorOf(() => s.setConnectTimeout(0n)), /positive integer/);
  assert.match(errorOf(() => s.setHighWaterMark(0n)), /positive integer/);
  assert.match(errorOf(() => s.setReceiveHighWaterMark(0n)), /positive integer/);
  s.setLastError('decided by the host');
  assert.equal(s.lastError(), 'decided by the host');
  s.destroy();
  s.destroy();
  assert.equal(s.isDestroyed(), true);
  assert.match(errorOf(() => s.setProtocol('udp')), /destroyed/);
});

test('enums: status in SPEC numbering, protocol, set-protocol only while unconnected', () => {
  const s = new Socket();
  assert.equal(s.status(), 'unconnected');
  assert.equal(STATUS_CASES.indexOf(s.status()), 0);
  assert.equal(s.protocol(), 'tcp');
  s.setProtocol('udp');
  assert.equal(s.protocol(), 'udp');
  s.setProtocol('tcp');
  s.listen({ tag: 'number', val: 0 }, '::', true);
  assert.equal(s.status(), 'listening');
  assert.equal(STATUS_CASES.indexOf(s.status()), 6);
  assert.match(errorOf(() => s.setProtocol('udp')), /setProtocol needs status Unconnected, the socket is Listening/);
  const listen = s.pollAction();
  assert.equal(listen.tag, 'listen');
  assert.deepStrictEqual(listen.val.addr, { ip: { tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 0] }, port: 0 });
  assert.equal(listen.val.ipv6Only, true);
  assert.equal(s.currentId(), listen.val.id);
  assert.equal(s.localAddress(), undefined, 'not bound yet');
  s.handle({ tag: 'failed', val: { id: listen.val.id, error: 'EADDRINUSE' } });
  const events = [];
  for (let e; (e = s.pollEvent()) !== undefined;) events.push(e);
  assert.deepStrictEqual(events, [
    { tag: 'state-changed', val: 'listening' },
    { tag: 'error', val: { code: 'address-in-use', message: 'Address already in use' } },
    { tag: 'state-changed', val: 'unconnected' },
  ]);
  assert.equal(s.currentId(), undefined);
});

test('u64 counts and deadlines are bigints; option<u64> none reads everything', () => {
  const s = new Socket();
  assert.equal(s.connectTimeout(), 60000n);
  s.setConnectTimeout(1500n);
  s.connect('10.1.2.3', { tag: 'text', val: '6667' }, 10n);
  assert.equal(s.pollTimeout(), 1510n);
  const { val: dial } = s.pollAction();
  const local = { ip: parseIp('10.0.0.2'), port: 40000 };
  s.handle({ tag: 'connected', val: { id: dial.id, local, remote: dial.addr } });
  assert.deepStrictEqual(s.remoteAddress(), { ip: parseIp('10.1.2.3'), port: 6667 });
  assert.deepStrictEqual(s.localAddress(), local);
  s.handle({ tag: 'received', val: { id: dial.id, data: Uint8Array.from([1, 2, 3, 4]) } });
  assert.equal(s.bytesAvailable(), 4n);
  assert.equal(s.readHex(1n), '01');
  assert.deepStrictEqual(s.readBytes(undefined), Uint8Array.from([2, 3, 4]));
  assert.equal(s.write(new Uint8Array(5)), 5);
  assert.equal(s.bufferedAmount(), 5n);
  s.handle({ tag: 'sent', val: { id: dial.id, len: 5n } });
  assert.equal(s.bufferedAmount(), 0n);
});

test('adopt: a socket cannot take its own connection; the engine says why', () => {
  const idle = new Socket();
  assert.match(errorOf(() => idle.adopt(idle)), /accept: the incoming connection is no longer open/);
  const busy = new Socket();
  busy.connect('127.0.0.1', { tag: 'number', val: 1 }, 0n);
  assert.match(errorOf(() => busy.adopt(busy)), /accept needs status Unconnected, the socket is Connecting/);
});

test('handle-incoming returns an owned socket, usable and destroyable on its own', () => {
  const server = new Socket();
  server.listen({ tag: 'number', val: 6667 }, '', false);
  const { val: bind } = server.pollAction();
  const addr = (ip, port) => ({ ip: parseIp(ip), port });
  assert.equal(server.handleIncoming(bind.id + 1, addr('127.0.0.1', 6667), addr('127.0.0.1', 5)), undefined);
  const child = server.handleIncoming(bind.id, addr('127.0.0.1', 6667), addr('127.0.0.1', 5));
  assert.ok(child instanceof Socket);
  assert.equal(child.status(), 'connected');
  assert.equal(child.pollEvent(), undefined, 'born connected: no state-changed of its own');
  const events = [];
  for (let e; (e = server.pollEvent()) !== undefined;) events.push(e.tag);
  assert.deepStrictEqual(events, ['state-changed', 'incoming-connection']);
  const id = child.currentId();
  child.destroy();
  assert.deepStrictEqual(child.pollAction(), { tag: 'abort', val: id });
  assert.equal(child.status(), 'unconnected');
  assert.equal(server.status(), 'listening');
});
