// read(), readBytes(), readHex(), bytesAvailable() (docs/spec.md "Functions": read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket, T, cleanup, connectedPair, once, sleep, waitUntil } from './helpers.js';

/** Has the peer send `bytes` and waits until the Socket holds `total` bytes. */
async function send(sock, peer, bytes, total = bytes.length) {
  peer.write(Buffer.from(bytes));
  await waitUntil(() => sock.bytesAvailable() >= total, 5000, `${total} buffered bytes`);
}

test('read(length) takes at most length bytes; the rest stays buffered', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  await send(sock, peer, Buffer.from('hello world'));
  assert.equal(sock.bytesAvailable(), 11);
  assert.equal(sock.read(5), 'hello');
  assert.equal(sock.bytesAvailable(), 6);
  assert.equal(sock.read(1), ' ');
  assert.equal(sock.read(), 'world');
  assert.equal(sock.bytesAvailable(), 0);
  assert.equal(sock.read(), '');
});

for (const [what, arg] of [
  ['omitted', undefined], ['0', 0], ['negative', -3], ['NaN', NaN],
  ['larger than buffered', 1000], ['Infinity', Infinity],
]) {
  test(`read(length ${what}) takes everything`, T, async (t) => {
    const { sock, peer } = await connectedPair(t);
    await send(sock, peer, Buffer.from('abcdef'));
    assert.equal(arg === undefined ? sock.read() : sock.read(arg), 'abcdef');
    assert.equal(sock.bytesAvailable(), 0);
  });
}

test('NUL bytes become U+00FF', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  await send(sock, peer, [0x61, 0x00, 0x62, 0x00]);
  assert.equal(sock.read(), 'a\u00ffb\u00ff');
});

test('bytes are decoded as UTF-8; invalid sequences become U+FFFD', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  await send(sock, peer, Buffer.from('héllo €𝄞'));
  assert.equal(sock.read(), 'héllo €𝄞');
  await send(sock, peer, [0x61, 0xff, 0x62, 0xc3, 0x28]);
  assert.equal(sock.read(), 'a\ufffdb\ufffd(');
});

test('a read of everything never splits a UTF-8 character while open', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const euro = Buffer.from('€'); // e2 82 ac
  await send(sock, peer, [0x61, euro[0], euro[1]]);
  assert.equal(sock.read(), 'a');
  assert.equal(sock.bytesAvailable(), 2, 'the incomplete sequence stays buffered');
  await send(sock, peer, [euro[2], 0x62], 3);
  assert.equal(sock.read(), '€b');
  assert.equal(sock.bytesAvailable(), 0);
});

test('read(length) takes exactly length bytes even inside a character, as KVIrc: each part is U+FFFD', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const euro = Buffer.from('€'); // e2 82 ac
  await send(sock, peer, [0x61, ...euro, 0x62]);
  assert.equal(sock.read(2), 'a\ufffd');
  assert.equal(sock.bytesAvailable(), 3);
  assert.deepEqual([...sock.readBytes(2)], [0x82, 0xac], 'readBytes(length) gives the rest of the character as it came');
  assert.equal(sock.read(5), 'b', 'a length over what is buffered is a read of everything');
});

test('after the peer closes, an incomplete trailing sequence is read as U+FFFD', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const disconnected = once(sock, 'disconnected');
  peer.end(Buffer.from([0x61, 0xe2, 0x82]));
  await disconnected;
  assert.equal(sock.read(), 'a\ufffd');
  assert.equal(sock.bytesAvailable(), 0);
});

test('readBytes(length?) returns the bytes as they came', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const all = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x0d, 0x0a, 0x80, 0x7f]);
  await send(sock, peer, all);
  const first = sock.readBytes(3);
  assert.ok(first instanceof Uint8Array);
  assert.deepEqual([...first], [0x00, 0xff, 0xc3]);
  assert.equal(sock.bytesAvailable(), 5);
  assert.deepEqual([...sock.readBytes(-1)], [0x28, 0x0d, 0x0a, 0x80, 0x7f]);
  const empty = sock.readBytes();
  assert.ok(empty instanceof Uint8Array);
  assert.equal(empty.length, 0);
});

test('readBytes follows the same length rule as read', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  for (const arg of [undefined, 0, -1, NaN, 99]) {
    await send(sock, peer, [1, 2, 3]);
    const bytes = arg === undefined ? sock.readBytes() : sock.readBytes(arg);
    assert.deepEqual([...bytes], [1, 2, 3], `readBytes(${arg})`);
  }
});

test('readHex(length?) returns lowercase hex', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  await send(sock, peer, [0xde, 0xad, 0xbe, 0xef, 0x00, 0x0a]);
  assert.equal(sock.readHex(2), 'dead');
  assert.equal(sock.bytesAvailable(), 4);
  assert.equal(sock.readHex(), 'beef000a');
  assert.equal(sock.readHex(), '');
});

test('bytesAvailable() and dataAvailable length count buffered bytes', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const lengths = [];
  sock.dataAvailableEvent = (length) => lengths.push(length);
  const details = [];
  sock.addEventListener('dataAvailable', (e) => details.push(e.detail.length));
  await send(sock, peer, [1, 2, 3]);
  await sleep(30);
  await send(sock, peer, [4, 5, 6, 7], 7);
  await waitUntil(() => lengths.at(-1) === 7, 2000, 'a dataAvailable(7)');
  assert.equal(sock.bytesAvailable(), 7);
  assert.deepEqual(details, lengths);
  for (let i = 1; i < lengths.length; i++) assert.ok(lengths[i] >= lengths[i - 1], 'nothing was read');
  assert.ok(lengths.includes(3) || lengths.length === 1, `lengths ${lengths}`);
});

test('reads on an unconnected socket return empty values', T, (t) => {
  const sock = cleanup(t)(new Socket());
  assert.equal(sock.read(), '');
  assert.equal(sock.readBytes().length, 0);
  assert.equal(sock.readHex(), '');
  assert.equal(sock.bytesAvailable(), 0);
});

test('1 MiB of binary data is read back intact', T, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const data = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 10)) & 0xff;
  const chunks = [];
  let size = 0;
  sock.dataAvailableEvent = () => { const b = sock.readBytes(); chunks.push(b); size += b.length; };
  peer.write(data);
  await waitUntil(() => size >= data.length, 8000, 'the 1 MiB');
  assert.ok(Buffer.concat(chunks).equals(data));
});
