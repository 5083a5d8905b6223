// write() and writeHex(): every accepted data type, the length cap, atomic TypeErrors, and writes
// in each state (docs/spec.md "Functions": write).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Socket, T, cleanup, connectedPair, once, pseudoRandomBytes, record, sha256, sleep, tcpServer,
} from './helpers.js';

/** Asserts that the peer receives exactly `expected` (and nothing more within a short while). */
async function expectAtPeer(peer, expected) {
  const want = Buffer.from(expected);
  await peer.received.waitBytes(want.length);
  await sleep(50);
  assert.deepEqual([...peer.received.buffer], [...want]);
}

test('a string is sent as its UTF-8 bytes', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  assert.equal(sock.write('héllo €'), 10);
  await expectAtPeer(peer, Buffer.from('héllo €'));
});

test('a string that names an existing file is sent as text, never as the file', T, async (t) => {
  const path = join(tmpdir(), `kvsocket-write-${process.pid}.txt`);
  writeFileSync(path, 'FILE CONTENTS');
  t.after(() => rmSync(path, { force: true }));
  const { sock, peer } = await connectedPair(t);
  assert.equal(sock.write(path), Buffer.byteLength(path));
  await expectAtPeer(peer, Buffer.from(path));
});

test('Uint8Array, ArrayBuffer, DataView, Buffer and other views send their bytes', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]).buffer;
  const u16 = new Uint16Array([0x0201]);
  const parts = [
    [new Uint8Array([0x00, 0xff]), [0x00, 0xff]],
    [new Uint8Array([10, 11, 12]).buffer, [10, 11, 12]],
    [new DataView(backing, 2, 3), [1, 2, 3]],
    [new Uint8Array(backing, 2, 2), [1, 2]],
    [Buffer.from('ok'), [0x6f, 0x6b]],
    [u16, [...new Uint8Array(u16.buffer)]],
  ];
  const expected = [];
  for (const [data, bytes] of parts) {
    assert.equal(sock.write(data), bytes.length, Object.prototype.toString.call(data));
    expected.push(...bytes);
  }
  await expectAtPeer(peer, expected);
});

test('an Array of bytes, strings and views (the seed\'s $array)', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const n = sock.write([0xff, 0xff, 0xff, 0xff, 'This is an example', new Uint8Array([0, 1]), Buffer.from('é')]);
  const expected = Buffer.concat([
    Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from('This is an example'), Buffer.from([0, 1]), Buffer.from('é'),
  ]);
  assert.equal(n, expected.length);
  await expectAtPeer(peer, expected);
});

test('a Blob is sent in order with later writes; write returns its size', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const big = pseudoRandomBytes(512 * 1024);
  assert.equal(sock.write('A'), 1);
  assert.equal(sock.write(new Blob([big])), big.length);
  assert.equal(sock.write('B'), 1);
  assert.equal(sock.write(new Blob(['CD', new Uint8Array([0x45])])), 3);
  assert.equal(sock.write(new File(['F'], 'f.txt')), 1);
  assert.equal(sock.write([0x47]), 1);
  const expected = Buffer.concat([Buffer.from('A'), big, Buffer.from('BCDEFG')]);
  await peer.received.waitBytes(expected.length, 8000);
  assert.equal(sha256(peer.received.buffer), sha256(expected));
});

test('length caps the bytes taken from data', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  assert.equal(sock.write('abcdef', 3), 3);
  assert.equal(sock.write(new Uint8Array([1, 2, 3, 4]), 2), 2);
  assert.equal(sock.write([5, 6, 7], 1), 1);
  assert.equal(sock.write('xy', 100), 2, 'a cap above the size takes everything');
  assert.equal(sock.write('zz', 1.9), 1, 'rounded down');
  assert.equal(sock.write('zz', Infinity), 2);
  assert.equal(sock.write('never', 0), 0, 'a length of 0 queues nothing');
  // The engine's rule (engine::write_length), with its message; nothing is queued.
  for (const bad of [-1, NaN, '2', null, {}]) {
    assert.throws(() => sock.write('abc', bad), { name: 'TypeError', message: 'write: length must be a non-negative number' });
  }
  await expectAtPeer(peer, [...Buffer.from('abc'), 1, 2, 5, ...Buffer.from('xy'), ...Buffer.from('z'), ...Buffer.from('zz')]);
});

test('a wrong type or a bad array item throws TypeError and queues nothing', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const bad = [
    123, null, undefined, true, {}, Symbol('s'), () => 1, 10n,
    [256], [-1], [1.5], [NaN], [null], [undefined], [{}], [[1, 2]], [true],
    ['ok', 300], [0x41, 0x42, {}], [new Uint8Array([1]), -5],
  ];
  for (const data of bad) {
    assert.throws(() => sock.write(data), TypeError, `write(${String(Array.isArray(data) ? `[${data}]` : typeof data)})`);
  }
  // A hole in an array is no byte: named like any other bad item.
  assert.throws(() => sock.write([0x41, , 0x42]), { name: 'TypeError', message: /array item 1 is undefined/ });
  assert.equal(sock.bytesAvailable(), 0);
  assert.equal(sock.write('GOOD'), 4);
  await expectAtPeer(peer, Buffer.from('GOOD'));
});

test('writeHex sends the bytes; odd length or a non-hex digit throws TypeError', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  assert.equal(sock.writeHex('48656c6c6f'), 5);
  assert.equal(sock.writeHex('00FFaB'), 3);
  for (const hex of ['abc', 'zz', '0g', '12 34', '0x12']) {
    assert.throws(() => sock.writeHex(hex), TypeError, `writeHex(${JSON.stringify(hex)})`);
  }
  assert.equal(sock.writeHex('21'), 1);
  await expectAtPeer(peer, [...Buffer.from('Hello'), 0x00, 0xff, 0xab, 0x21]);
});

test('writes while Connecting are queued and sent once connected', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const connected = once(sock, 'connected');
  assert.equal(sock.connect('127.0.0.1', server.port), true);
  assert.equal(sock.status(true), 'Connecting');
  assert.equal(sock.write('early '), 6);
  assert.equal(sock.write([0x62, 0x69, 0x72, 0x64]), 4);
  await connected;
  sock.write('!');
  const peer = track(await server.next());
  await expectAtPeer(peer, Buffer.from('early bird!'));
});

test('writes while Unconnected, Listening or destroyed return 0', T, async (t) => {
  const track = cleanup(t);
  const sock = track(new Socket());
  assert.equal(sock.write('x'), 0);
  assert.equal(sock.write(new Uint8Array(4)), 0);
  assert.equal(sock.writeHex('00'), 0);
  assert.equal(sock.listen(0, '127.0.0.1'), true);
  assert.equal(sock.write('x'), 0);
  assert.equal(sock.writeHex('00'), 0);
  sock.destroy();
  assert.equal(sock.write('x'), 0);
  assert.equal(sock.writeHex('00'), 0);
});

test('a write while Closing returns 0 and is not sent', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  peer.pause();
  const data = pseudoRandomBytes(4 * 1024 * 1024);
  sock.write(data);
  const disconnected = once(sock, 'disconnected', 8000);
  sock.close();
  assert.equal(sock.status(true), 'Closing');
  assert.equal(sock.write('late'), 0);
  peer.resume();
  await disconnected;
  await peer.received.ended;
  assert.equal(peer.received.size, data.length);
});

test('a Blob with a length cap sends that many bytes; a Blob while Unconnected returns 0', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  assert.equal(sock.write(new Blob(['abcdef']), 4), 4);
  assert.equal(sock.write('!'), 1);
  await expectAtPeer(peer, Buffer.from('abcd!'));
  const idle = cleanup(t)(new Socket());
  assert.equal(idle.write(new Blob(['x'])), 0);
});

test('a Blob queued before close() is still flushed', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const big = pseudoRandomBytes(256 * 1024, 5);
  assert.equal(sock.write(new Blob([big])), big.length);
  assert.equal(sock.write('tail'), 4);
  sock.close();
  await peer.received.ended;
  const expected = Buffer.concat([big, Buffer.from('tail')]);
  assert.equal(sha256(peer.received.buffer), sha256(expected));
});

test('a Blob that cannot be read ends the connection with an error; nothing written after it goes out', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  class Unreadable extends Blob {
    arrayBuffer() { return Promise.reject(new Error('the file was removed')); }
  }
  assert.equal(sock.write('before'), 6);
  await peer.received.waitBytes(6);
  const log = record(sock);
  assert.equal(sock.write(new Unreadable(['xyz'])), 3);
  assert.equal(sock.write('after'), 5);
  await log.until('disconnected');
  const why = 'write: the bytes of an earlier write could not be read: the file was removed';
  assert.deepEqual(log.labels(), ['error(UnknownSocket)', 'stateChanged(Unconnected)', `disconnected(${JSON.stringify(why)})`]);
  assert.equal(sock.status(), 0);
  assert.equal(sock.lastError(), why);
  assert.equal(log.of('error')[0].detail.message, sock.lastError());
  await peer.received.ended;
  assert.equal(peer.received.buffer.toString(), 'before', 'neither the Blob\'s place nor what followed it');
});

test('bytes are taken when write() returns: changing the caller\'s buffer later changes nothing', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const buf = Buffer.from('before');
  // Written while connecting, so they wait on the socket side before they go out.
  assert.equal(sock.connect('127.0.0.1', server.port), true);
  assert.equal(sock.write(buf), 6);
  buf.write('AFTER!');
  const peer = track(await server.next());
  await expectAtPeer(peer, Buffer.from('before'));
});
