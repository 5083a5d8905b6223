// connect(address, options): Cloudflare's sockets API (docs/connect.md) against real servers on
// 127.0.0.1: the addresses `opened` gives, bytes through the streams, the peer's end, close(),
// a refused connection, and the options' TypeErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'kvsocket';
import { T, cleanup, freePort, tcpServer, withTimeout } from './helpers.js';
import { scenarios } from '../direct/connect-scenarios.js';
import { startPeers } from '../direct/peers.js';

const bytes = (text) => new TextEncoder().encode(text);
const text = (chunks) => new TextDecoder().decode(Buffer.concat(chunks));

/** Reads the readable to its end; the chunks. */
async function readAll(readable) {
  const chunks = [];
  for await (const chunk of readable) chunks.push(chunk);
  return chunks;
}

test('opened gives the addresses; bytes go both ways through the streams (echo)', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer({ onConnection: (c) => c.pipe(c) }));
  const sock = connect(`127.0.0.1:${server.port}`);
  track(() => sock.close());
  assert.equal(sock.secureTransport, 'off');
  assert.equal(sock.upgraded, false);
  // Written before the connection is open: the write waits for it.
  const writer = sock.writable.getWriter();
  const written = writer.write(bytes('hello, '));
  const info = await sock.opened;
  const peer = await server.next();
  assert.deepEqual(info, { remoteAddress: `127.0.0.1:${server.port}`, localAddress: `127.0.0.1:${peer.remotePort}` });
  await written;
  await writer.write(bytes('world'));
  const reader = sock.readable.getReader();
  const got = [];
  while (text(got).length < 12) {
    const { value, done } = await reader.read();
    assert.equal(done, false);
    assert.ok(value instanceof Uint8Array);
    got.push(value);
  }
  assert.equal(text(got), 'hello, world');
  // close() while the reader and writer still hold the streams (Cloudflare's close does not ask).
  await withTimeout(sock.close(), 3000, 'close()');
  await sock.closed;
  assert.equal((await reader.read()).done, true);
});

test('{ hostname, port } and an IPv4 address object connect the same', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = connect({ hostname: '127.0.0.1', port: server.port });
  track(() => sock.close());
  assert.equal((await sock.opened).remoteAddress, `127.0.0.1:${server.port}`);
});

test("allowHalfOpen false: the peer's end ends the readable and closes our side; closed resolves", T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = connect(`127.0.0.1:${server.port}`, { allowHalfOpen: false });
  await sock.opened;
  const peer = await server.next();
  peer.end('last words');
  assert.equal(text(await readAll(sock.readable)), 'last words');
  await withTimeout(sock.closed, 3000, 'closed');
  await withTimeout(peer.received.ended, 3000, 'our end at the peer');
  await assert.rejects(sock.writable.getWriter().write(bytes('x')), { name: 'SocketError' });
});

test('allowHalfOpen true is a TypeError (the engine ends the connection at the peer\'s end)', () => {
  assert.throws(() => connect('127.0.0.1:1', { allowHalfOpen: true }), { name: 'TypeError', message: /allowHalfOpen must be false/ });
});

test('closing the writable is our half-close: the peer sees the end, then answers and ends', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer({
    onConnection: (c) => c.on('end', () => c.end(`got ${c.received.text}`)),
  }));
  const sock = connect(`127.0.0.1:${server.port}`);
  track(() => sock.close());
  const writer = sock.writable.getWriter();
  await writer.write(bytes('question'));
  await writer.close();
  assert.equal(text(await readAll(sock.readable)), 'got question');
  await withTimeout(sock.closed, 3000, 'closed');
});

test('close() flushes what was written, then closed resolves; before it opened it abandons the attempt', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = connect(`127.0.0.1:${server.port}`);
  await sock.opened;
  const peer = await server.next();
  const writer = sock.writable.getWriter();
  writer.write(bytes('flushed')).catch(() => {});
  writer.releaseLock();
  assert.equal(sock.close(), sock.closed);
  await withTimeout(sock.closed, 3000, 'closed');
  await withTimeout(peer.received.ended, 3000, 'the end at the peer');
  assert.equal(peer.received.text, 'flushed');

  const early = connect(`127.0.0.1:${server.port}`);
  await early.close();
  await assert.rejects(early.opened, { name: 'AbortError' });
});

test('a refused connection rejects opened and closed with a named error', T, async () => {
  const port = await freePort();
  const sock = connect(`127.0.0.1:${port}`);
  await assert.rejects(sock.opened, { name: 'SocketError', code: 'ConnectionRefused' });
  await assert.rejects(sock.closed, { name: 'SocketError', code: 'ConnectionRefused' });
  await assert.rejects(sock.writable.getWriter().write(bytes('x')), { code: 'ConnectionRefused' });
});

test('bad addresses and options are TypeErrors naming what is wrong', () => {
  for (const [address, options, message] of [
    ['127.0.0.1', undefined, /'host:port'/],
    [5432, undefined, /string or \{ hostname, port \}/],
    [{ hostname: '127.0.0.1' }, undefined, /address.port must be a number/],
    ['127.0.0.1:5432', { tlsOptions: {} }, /unknown option "tlsOptions"; the options are secureTransport, allowHalfOpen, proxy, tls/],
    ['127.0.0.1:5432', { secureTransport: 'on', tls: true }, /tls must be an object/],
    ['127.0.0.1:5432', { tls: {} }, /tls option needs secureTransport 'on' or 'starttls'/],
    ['127.0.0.1:5432', { secureTransport: 'yes' }, /secureTransport must be/],
    ['127.0.0.1:5432', { allowHalfOpen: 'no' }, /option allowHalfOpen: invalid type: string "no", expected a boolean/],
    ['127.0.0.1:5432', { allowHalfOpen: true }, /allowHalfOpen must be false/],
    ['127.0.0.1:5432', 'off', /options must be an object/],
  ]) {
    assert.throws(() => connect(address, options), { name: 'TypeError', message }, String(message));
  }
});

test('[IPv6]:port parses to the IPv6 literal', T, async () => {
  // ::1 may have no listener (or no IPv6 at all): either way the address reached the Socket
  // as ::1, which the error or the addresses show; a TypeError would mean it did not parse.
  const sock = connect(`[::1]:${await freePort()}`);
  await assert.rejects(sock.opened, { name: 'SocketError' });
});

test('the shared scenarios (tests/direct/connect-scenarios.js, also run in Chromium)', { timeout: 30000 }, async (t) => {
  const peers = await startPeers();
  t.after(() => peers.close());
  for (const [name, run] of Object.entries(scenarios)) {
    await t.test(name, { timeout: 10000 }, () => run({ connect }, { ports: peers.ports, browser: false }));
  }
});

test('a port out of range rejects opened and closed with the Socket\'s reason; a string chunk errors the writable', T, async (t) => {
  const sock = connect('127.0.0.1:70000');
  await assert.rejects(sock.opened, { name: 'SocketError', message: /port/i });
  await assert.rejects(sock.closed, { name: 'SocketError' });
  const track = cleanup(t);
  const server = track(await tcpServer());
  const ok = connect(`127.0.0.1:${server.port}`);
  await ok.opened;
  await assert.rejects(ok.writable.getWriter().write('text'), { name: 'TypeError', message: /ArrayBuffer/ });
  await assert.rejects(ok.closed, { name: 'TypeError' });
});
