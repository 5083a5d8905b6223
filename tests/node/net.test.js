// kvsocket/net (js/net/): net.Socket's surface over kvsocket's Socket, against real net peers on
// 127.0.0.1. The clients in tests/clients/ use it for real protocols; this file checks what they
// rely on one piece at a time: connect forms and events, readyState, addresses and counters,
// Node's error codes beside KVIrc's names, options refused with a TypeError, signal, unref.
import test from 'node:test';
import assert from 'node:assert/strict';
import nodeNet from 'node:net';
import os from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import net, { Socket, createConnection, connect, isIP, isIPv4, isIPv6, NODE_CODES } from 'kvsocket/net';
import { Socket as KvSocket } from 'kvsocket';
import { freePort } from '../ports.js';

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const once = (emitter, event) => new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));

async function echoServer(t) {
  const server = nodeNet.createServer((s) => { s.on('error', () => {}); s.pipe(s); });
  const port = await listen(server);
  t.after(() => server.close());
  return port;
}

test('new Socket() then connect(port, host, cb): connect and ready, state, addresses, counters, echo, clean close', { timeout: 10000 }, async (t) => {
  const port = await echoServer(t);
  const sock = new Socket();
  assert.equal(sock.pending, true);
  assert.equal(sock.connecting, false);
  assert.equal(sock.remoteAddress, undefined);
  const events = [];
  sock.on('ready', () => events.push('ready'));
  const connected = new Promise((resolve) => assert.equal(sock.connect(port, '127.0.0.1', () => { events.push('connect'); resolve(); }), sock));
  assert.equal(sock.connecting, true);
  assert.equal(sock.readyState, 'opening');
  await connected;
  assert.deepEqual(events, ['connect', 'ready']);
  assert.equal(sock.readyState, 'open');
  assert.equal(sock.pending, false);
  assert.equal(sock.remoteAddress, '127.0.0.1');
  assert.equal(sock.remotePort, port);
  assert.equal(sock.remoteFamily, 'IPv4');
  assert.equal(sock.localAddress, '127.0.0.1');
  assert.ok(sock.localPort > 0);
  assert.deepEqual(sock.address(), { address: '127.0.0.1', family: 'IPv4', port: sock.localPort });
  assert.equal(sock.setNoDelay(true), sock);
  assert.equal(sock.setKeepAlive(true, 1000), sock);
  assert.equal(sock.ref(), sock);

  sock.write('hello ');
  sock.end('there');
  let text = '';
  sock.setEncoding('utf8');
  sock.on('data', (c) => { text += c; });
  const [hadError] = await once(sock, 'close');
  assert.equal(hadError, false);
  assert.equal(text, 'hello there', 'the echo, after our half-close, until the peer ended');
  assert.equal(sock.bytesWritten, 11);
  assert.equal(sock.bytesRead, 11);
  assert.equal(sock.readyState, 'closed');
  assert.equal(sock.remoteAddress, '127.0.0.1', 'the addresses stay readable after the close, as in net');
  assert.equal(sock.socket.status(), 0, 'the kvsocket Socket is destroyed with the stream');
});

test("connect({ port, host }) by name, createConnection and connect alike; 'lookup' for a name", { timeout: 10000 }, async (t) => {
  const port = await echoServer(t);
  const a = connect({ port, host: 'localhost' });
  const [err, address, family, host] = await once(a, 'lookup');
  assert.equal(err, null);
  assert.ok(isIP(address) === family && family > 0, `${address} / ${family}`);
  assert.equal(host, 'localhost');
  await once(a, 'connect');
  a.destroy();
  const b = createConnection(String(port), '127.0.0.1'); // a port as a string of digits, as net takes it
  await once(b, 'connect');
  assert.ok(b instanceof Socket && b instanceof net.Stream);
  b.destroy();
});

test("errors carry Node's code beside KVIrc's name: ECONNREFUSED, ENOTFOUND-free refusal, ECONNRESET, EPIPE", { timeout: 10000 }, async (t) => {
  const closed = await freePort();
  const refused = createConnection(closed, '127.0.0.1');
  const [err] = await once(refused, 'error');
  assert.equal(err.code, 'ECONNREFUSED');
  assert.equal(err.kvircCode, 'ConnectionRefused');
  assert.equal(err.syscall, 'connect');
  assert.equal(err.address, '127.0.0.1');
  assert.equal(err.port, closed);
  assert.equal(err.errno, -os.constants.errno.ECONNREFUSED, 'errno as net sets it (-111 on Linux)');
  assert.match(err.message, new RegExp(`^connect ECONNREFUSED 127\\.0\\.0\\.1:${closed} `));
  const [hadError] = await once(refused, 'close');
  assert.equal(hadError, true);

  // A peer that resets the connection mid-session.
  const server = nodeNet.createServer((s) => s.once('data', () => s.resetAndDestroy()));
  const port = await listen(server);
  t.after(() => server.close());
  const reset = createConnection(port, '127.0.0.1');
  reset.write('x');
  const [resetErr] = await once(reset, 'error');
  assert.equal(resetErr.code, 'ECONNRESET');
  assert.equal(resetErr.kvircCode, 'RemoteHostClosed');
  assert.equal(resetErr.syscall, 'read');

  // A write before connect() fails as net's does.
  const early = new Socket();
  early.write('x');
  const [earlyErr] = await once(early, 'error');
  assert.equal(earlyErr.code, 'ERR_SOCKET_CLOSED');

  // A host the engine refuses (not a name nor an IP literal): an 'error', not a throw.
  const bad = createConnection(80, 'not a host!');
  const [badErr] = await once(bad, 'error');
  assert.equal(badErr.code, 'ERR_INVALID_ARG_VALUE');
  assert.match(badErr.message, /invalid host/);

  // One table: every KVIrc name has a Node code.
  assert.equal(Object.keys(NODE_CODES).length, 27); // ErrorCode::ALL (src/engine/error.rs), ProxyDenied and the Tls* names included
  assert.ok(Object.values(NODE_CODES).every((c) => /^[A-Z_]+$/.test(c))); // ERR_TLS_CERT_ALTNAME_INVALID has underscores
});

test('options: Node options without a meaning here and unknown ones are TypeErrors naming them', () => {
  assert.throws(() => new Socket({ allowHalfOpen: true }), /allowHalfOpen must be false/);
  assert.throws(() => new Socket({ fd: 3 }), /option fd is not supported/);
  assert.throws(() => new Socket({ readableHighWatermark: 10 }), (e) => e instanceof TypeError && /unknown option readableHighWatermark/.test(e.message));
  assert.throws(() => createConnection({ port: 1, lookup: () => {} }), /option lookup is not supported/);
  assert.throws(() => createConnection({ port: 1, localAddress: '127.0.0.1' }), /option localAddress is not supported/);
  assert.throws(() => createConnection({ port: 1, family: 5 }), /family must be 0, 4 or 6/);
  assert.throws(() => createConnection('/tmp/some.sock'), /IPC/);
  assert.throws(() => createConnection({ host: '127.0.0.1' }), (e) => e.code === 'ERR_MISSING_ARGS');
  assert.throws(() => new Socket({ proxy: 'ws://127.0.0.1:1/' }), /proxy option is for browsers/);
  assert.throws(() => new Socket({ signal: {} }), /must be an AbortSignal/);
  assert.throws(() => new KvSocket().toDuplex({ connectTimeout: 5 }), /unknown option connectTimeout/);
  // What clients pass when they have no local end, and what Node takes and means here.
  const s = new Socket({ allowHalfOpen: false, noDelay: true, keepAlive: true, keepAliveInitialDelay: 500, readableHighWaterMark: 1024, connectTimeout: 5000 });
  assert.equal(s.readableHighWaterMark, 1024);
  assert.equal(s.socket.connectTimeout(), 5000);
  s.destroy();
  createConnection({ port: 9, host: '127.0.0.1', localAddress: undefined, family: 4 }).on('error', () => {}).destroy();
});

test('setTimeout is the idle timeout; the signal option destroys with an AbortError (ABORT_ERR)', { timeout: 10000 }, async (t) => {
  const port = await echoServer(t);
  const sock = createConnection({ port, host: '127.0.0.1', timeout: 150 });
  assert.equal(sock.timeout, 150);
  await once(sock, 'timeout');
  assert.equal(sock.readyState, 'open', 'the connection stays open');
  sock.setTimeout(0);
  assert.equal(sock.timeout, undefined);
  sock.destroy();

  const controller = new AbortController();
  const aborted = new Socket({ signal: controller.signal }).connect(port, '127.0.0.1');
  await once(aborted, 'connect');
  controller.abort(new Error('enough'));
  const [err] = await once(aborted, 'error');
  assert.equal(err.name, 'AbortError');
  assert.equal(err.code, 'ABORT_ERR');
  assert.equal(err.cause.message, 'enough');
  assert.equal(aborted.destroyed, true);
});

test('unref(): an open kvsocket/net connection does not keep the process running', { timeout: 15000 }, async (t) => {
  const server = nodeNet.createServer((s) => s.on('error', () => {}));
  const port = await listen(server);
  t.after(() => server.close());
  const script = `import { createConnection } from 'kvsocket/net';
    const s = createConnection(${port}, '127.0.0.1', () => { s.unref(); console.log('connected'); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: import.meta.dirname, timeout: 8000 });
  assert.equal(stdout.trim(), 'connected', 'the child exited by itself with its connection open');
});

test("isIP / isIPv4 / isIPv6 answer as node:net's", () => {
  const inputs = ['127.0.0.1', '0.0.0.0', '255.255.255.255', '256.0.0.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '::', '::1',
    'fe80::1%eth0', '2001:db8::8a2e:370:7334', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', ':::1', 'g::1',
    '[::1]', 'localhost', '', 'example.com', 1234, null, undefined, '1::2::3', '::ffff:1.2.3.256'];
  for (const input of inputs) {
    assert.equal(isIP(input), nodeNet.isIP(input), String(input));
    assert.equal(isIPv4(input), nodeNet.isIPv4(input), String(input));
    assert.equal(isIPv6(input), nodeNet.isIPv6(input), String(input));
  }
});

test('setDefaultProxy: the Socket class default every new socket takes; a non-string is a TypeError', () => {
  assert.throws(() => net.setDefaultProxy(8081), { name: 'TypeError', message: /setDefaultProxy: the proxy URL must be a string, got number/ });
  net.setDefaultProxy('wisp+ws://127.0.0.1:1/wisp/');
  try {
    assert.equal(KvSocket.defaultProxy, 'wisp+ws://127.0.0.1:1/wisp/', "it is kvsocket's Socket.defaultProxy");
  } finally {
    net.setDefaultProxy('');
  }
});
