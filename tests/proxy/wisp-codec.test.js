// The one Wisp codec from the JS side (docs/wisp.md): kvsocket-proxy's packets
// (js/proxy/wisp-packet.js) are the Rust codec's (src/transport/wisp/codec.rs), and the DATA
// header JS writes and reads itself (js/proxy/wisp-codec.js) agrees with the Rust decoder for every stream id and for random
// bytes. The expected bytes and numbers are the protocol's, typed here as the test's own oracle.
// Then the proxy's answer to each kind of malformed packet: the WebSocket closed with 1002, and
// the codec's reason in its log.

import test from 'node:test';
import assert from 'node:assert/strict';
import { initSync, wispDecode, wispFrame, wispOut } from '../../pkg/kvsocket_node.js';
import { CLOSE, EXT, HEADER_LEN, StreamType, TYPE, closePacket, continuePacket, dataPacket, infoPacket, parsePacket } from '../../js/proxy/wisp-packet.js';
import { MAX_DATA, dataStream } from '../../js/proxy/wisp-codec.js';
import { T, closed, mustOpen, proxy, waitUntil } from './helpers.js';
import { connectPacket } from './wisp-client.js';

const { memory } = initSync(); // the instance wisp-packet.js made

/** What the Rust decoder says of `bytes`: {type, stream} or {error}. */
function rustDecode(bytes) {
  const n = wispDecode(bytes);
  const out = new Uint8Array(memory.buffer, wispOut(), Math.abs(n));
  if (n < 0) return { error: new TextDecoder().decode(out) };
  const view = new DataView(out.buffer, out.byteOffset, n);
  return { type: view.getUint32(0, true), stream: view.getUint32(4, true) };
}

/** A deterministic pseudo-random generator (xorshift32). */
function random(seed) {
  let x = seed;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test('the numbers JS reads are the protocol\'s', () => {
  assert.equal(HEADER_LEN, 5);
  assert.equal(MAX_DATA, 65536);
  assert.deepEqual({ ...TYPE }, { CONNECT: 1, DATA: 2, CONTINUE: 3, CLOSE: 4, INFO: 5, PAUSE: 0x70 });
  assert.deepEqual({ ...StreamType }, { TCP: 1, UDP: 2 });
  assert.deepEqual({ ...EXT }, { UDP: 1, PASSWORD: 2, KEY: 3, MOTD: 4, STREAM_CONFIRMATION: 5, RECEIVE_PAUSE: 0x70 });
  assert.equal(CLOSE.VOLUNTARY, 0x02);
  assert.equal(CLOSE.BLOCKED, 0x48);
  assert.equal(CLOSE.THROTTLED, 0x49);
  assert.equal(CLOSE.AUTH_MISSING, 0xc2);
  assert.equal(Object.keys(CLOSE).length, 15);
  assert.ok(Object.isFrozen(TYPE) && Object.isFrozen(CLOSE), 'read once, never changed');
});

test('the DATA header JS writes is what the Rust decoder reads, for every kind of stream id', () => {
  const next = random(0x9e3779b9);
  const ids = [0, 1, 255, 256, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
  for (let i = 0; i < 200; i++) ids.push(Math.floor(next() * 2 ** 32));
  for (const stream of ids) {
    const payload = Uint8Array.from({ length: Math.floor(next() * 20) }, () => Math.floor(next() * 256));
    const packet = dataPacket(stream, payload);
    assert.deepEqual(rustDecode(packet), { type: TYPE.DATA, stream });
    assert.equal(dataStream(packet), stream);
    assert.deepEqual(packet.subarray(HEADER_LEN), Buffer.from(payload));
  }
  // The protocol's bytes: type 0x02, the id little-endian.
  assert.deepEqual([...dataPacket(0x04030201, Uint8Array.of(9))], [2, 1, 2, 3, 4, 9]);
});

test('JS takes a message for DATA exactly when the Rust decoder does, on random bytes', () => {
  const next = random(12345);
  for (let i = 0; i < 5000; i++) {
    const bytes = Buffer.from(Uint8Array.from({ length: Math.floor(next() * 12) }, () => Math.floor(next() * 256)));
    if (next() < 0.5 && bytes.length > 0) bytes[0] = TYPE.DATA;
    const rust = rustDecode(bytes);
    const js = dataStream(bytes);
    if (rust.type === TYPE.DATA) assert.equal(js, rust.stream, `${bytes.toString('hex')}`);
    else assert.equal(js, -1, `${bytes.toString('hex')}: ${JSON.stringify(rust)}`);
  }
});

test('the proxy\'s packets are framed by the Rust codec with the protocol\'s bytes, and parse back', () => {
  assert.deepEqual([...continuePacket(7, 0x01020304)], [3, 7, 0, 0, 0, 4, 3, 2, 1]);
  assert.deepEqual([...closePacket(0x100, CLOSE.BLOCKED)], [4, 0, 1, 0, 0, 0x48]);
  assert.deepEqual([...infoPacket([EXT.UDP, EXT.RECEIVE_PAUSE])], [5, 0, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0x70, 0, 0, 0, 0]);
  assert.deepEqual(parsePacket(continuePacket(7, 0xffffffff)), { type: TYPE.CONTINUE, stream: 7, credit: 0xffffffff });
  assert.deepEqual(parsePacket(closePacket(9, CLOSE.VOLUNTARY)), { type: TYPE.CLOSE, stream: 9, reason: CLOSE.VOLUNTARY });
  assert.deepEqual(parsePacket(infoPacket([EXT.UDP, EXT.STREAM_CONFIRMATION])), { type: TYPE.INFO, stream: 0, major: 2, minor: 0, extensions: [EXT.UDP, EXT.STREAM_CONFIRMATION] });
  // CONNECT and DATA carry more than numbers: not framed by wispFrame (0: nothing written).
  const none = new Uint8Array(0);
  assert.equal(wispFrame(TYPE.CONNECT, 1, 0, none), 0);
  assert.equal(wispFrame(TYPE.DATA, 1, 0, none), 0);
  assert.equal(wispFrame(0x99, 1, 0, none), 0);
});

test('a client\'s packets are parsed by the Rust codec: every field, and a reason for what is not a packet', () => {
  assert.deepEqual(parsePacket(connectPacket(3, StreamType.UDP, 5353, 'hôte.example')), {
    type: TYPE.CONNECT, stream: 3, streamType: StreamType.UDP, port: 5353, host: 'hôte.example',
  });
  assert.deepEqual(parsePacket(Buffer.from([0x70, 5, 0, 0, 0, 1])), { type: TYPE.PAUSE, stream: 5, paused: true });
  assert.deepEqual(parsePacket(Buffer.from([0x70, 5, 0, 0, 0, 0])), { type: TYPE.PAUSE, stream: 5, paused: false });
  // An INFO with metadata: the ids are read, the metadata skipped.
  const info = Buffer.from([5, 0, 0, 0, 0, 2, 0, 0x02, 3, 0, 0, 0, 1, 2, 3, 0x05, 0, 0, 0, 0]);
  assert.deepEqual(parsePacket(info).extensions, [0x02, 0x05]);
  const bad = [
    [[], 'truncated Wisp packet header: needs 5 bytes, got 0'],
    [[2, 1, 0], 'truncated Wisp packet header: needs 5 bytes, got 3'],
    [[0x99, 1, 0, 0, 0], 'unknown Wisp packet type 0x99'],
    [[1, 1, 0, 0, 0, 3, 80, 0, 0x61], 'unknown Wisp stream type 0x03'],
    [[1, 1, 0, 0, 0, 1, 80, 0, 0xff, 0xfe], 'Wisp CONNECT host name is not UTF-8'],
    [[1, 1, 0, 0, 0, 1, 80], 'truncated Wisp CONNECT: needs 8 bytes, got 7'],
    [[3, 1, 0, 0, 0, 1, 2, 3], 'truncated Wisp CONTINUE: needs 9 bytes, got 8'],
    [[4, 1, 0, 0, 0], 'truncated Wisp CLOSE: needs 6 bytes, got 5'],
    [[0x70, 1, 0, 0, 0], 'truncated Wisp PAUSE: needs 6 bytes, got 5'],
    [[5, 0, 0, 0, 0, 2], 'truncated Wisp INFO: needs 7 bytes, got 6'],
    [[5, 0, 0, 0, 0, 2, 0, 1, 4, 0, 0, 0, 9], 'truncated Wisp INFO extension: needs 9 bytes, got 6'],
  ];
  for (const [bytes, message] of bad) assert.throws(() => parsePacket(Buffer.from(bytes)), { message }, `${bytes}`);
});

test('kvsocket-proxy closes a client that sends a malformed packet with 1002, and logs the codec\'s reason', T, async (t) => {
  const p = await proxy(t);
  const cases = [
    [[0x99, 1, 0, 0, 0], 'unknown Wisp packet type 0x99'],
    [[4, 1, 0], 'truncated Wisp packet header: needs 5 bytes, got 3'],
    [[1, 1, 0, 0, 0, 1, 80, 0, 0xc3], 'Wisp CONNECT host name is not UTF-8'],
    [[4, 1, 0, 0, 0], 'truncated Wisp CLOSE: needs 6 bytes, got 5'],
  ];
  for (const [bytes, reason] of cases) {
    // A v1 client (no subprotocol): streams may be opened at once.
    const ws = await mustOpen(t, `${p.url}wisp/`, { protocols: [] });
    await waitUntil(() => ws.inbox.length > 0, 'the CONTINUE on stream 0');
    assert.deepEqual(parsePacket(ws.inbox[0].data), { type: TYPE.CONTINUE, stream: 0, credit: 8 });
    ws.send(Buffer.from(bytes));
    assert.deepEqual(await closed(ws), { code: 1002, reason: 'malformed Wisp packet' });
    assert.ok(p.lines.some((line) => line.includes(`${reason}; closing`)), `the log says "${reason}": ${p.lines.join('\n')}`);
  }
  // A v2 client whose INFO is malformed is closed the same way.
  const ws = await mustOpen(t, `${p.url}wisp/`, { protocols: ['wisp-v2'] });
  await waitUntil(() => ws.inbox.length > 0, "the server's INFO");
  ws.send(Buffer.from([5, 0, 0, 0, 0, 2, 0, EXT.UDP, 1, 0, 0]));
  assert.deepEqual(await closed(ws), { code: 1002, reason: 'malformed Wisp packet' });
  assert.ok(p.lines.some((line) => line.includes('truncated Wisp INFO extension: needs 5 bytes, got 4; closing')), p.lines.join('\n'));
});
