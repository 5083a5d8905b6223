// Backpressure both ways (docs/spec.md "Backpressure"): bufferedAmount / setHighWaterMark / drain on
// the send side, pausing the network read past the receive high-water mark on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, connectedPair, once, pseudoRandomBytes, sha256, sleep, waitUntil, withTimeout } from './helpers.js';

const MiB = 1024 * 1024;

test('over the high-water mark: bufferedAmount() > mark, then one drain below it', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  const mark = 64 * 1024;
  sock.setHighWaterMark(mark);
  const atDrain = [];
  sock.drainEvent = () => atDrain.push(sock.bufferedAmount());
  peer.pause();
  const data = pseudoRandomBytes(6 * MiB, 7);
  assert.equal(sock.write(data), data.length);
  assert.ok(sock.bufferedAmount() > mark, `bufferedAmount ${sock.bufferedAmount()} after writing 6 MiB`);
  await sleep(50);
  peer.resume();
  await peer.received.waitBytes(data.length, 8000);
  await waitUntil(() => atDrain.length > 0, 2000, 'drainEvent');
  await sleep(100);
  assert.equal(atDrain.length, 1, 'drainEvent once');
  assert.equal(log.of('drain').length, 1, "one 'drain' event");
  assert.ok(atDrain[0] < mark, `bufferedAmount at drain: ${atDrain[0]}`);
  assert.equal(sock.bufferedAmount(), 0);
  assert.equal(sha256(peer.received.buffer), sha256(data));
});

test('writes that stay under the default 1 MiB mark fire no drain', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  for (let i = 0; i < 8; i++) sock.write(new Uint8Array(16 * 1024));
  await peer.received.waitBytes(128 * 1024);
  await sleep(100);
  assert.equal(log.of('drain').length, 0);
  assert.equal(sock.bufferedAmount(), 0);
});

test('small writes while the peer does not read: what net holds counts in bufferedAmount(), then one drain, every byte in order', T, async (t) => {
  // Writes under the mark with nothing buffered go to net within write() (writeThrough); once
  // the kernel's buffers are full net holds them, and they count until net hands them on.
  const { sock, peer, log } = await connectedPair(t);
  const mark = 256 * 1024;
  sock.setHighWaterMark(mark);
  peer.pause();
  const chunk = 16 * 1024;
  const data = pseudoRandomBytes(32 * MiB, 11);
  let at = 0;
  let firstHeld = -1;
  while (at < data.length && !sock.needsDrain()) {
    assert.equal(sock.write(data.subarray(at, at + chunk)), chunk);
    at += chunk;
    if (firstHeld < 0 && sock.bufferedAmount() > 0) firstHeld = sock.bufferedAmount();
  }
  assert.ok(firstHeld > 0 && firstHeld <= chunk, `net held ${firstHeld} of a ${chunk}-byte write`);
  assert.ok(sock.needsDrain(), `the mark was crossed within ${data.length} bytes`);
  assert.ok(sock.bufferedAmount() > mark);
  await sleep(50);
  assert.equal(log.of('drain').length, 0, 'no drain while the peer does not read');
  peer.resume();
  await peer.received.waitBytes(at, 8000);
  await waitUntil(() => log.of('drain').length > 0, 2000, 'drainEvent');
  await sleep(50);
  assert.equal(log.of('drain').length, 1);
  assert.equal(sock.bufferedAmount(), 0);
  assert.equal(sha256(peer.received.buffer), sha256(data.subarray(0, at)));
});

test('marks of 4 GiB and more are kept as large, not cut to 32 bits by the wasm engine', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  for (const mark of [2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
    sock.setHighWaterMark(mark);
    assert.equal(sock.write(new Uint8Array(100)), 100);
    assert.equal(sock.needsDrain(), false, `100 bytes went over a mark of ${mark}`);
  }
  // The receive side too: a mark of 2^32 + 1 must not pause reading after a byte.
  sock.setReceiveHighWaterMark(2 ** 32 + 1);
  peer.write(new Uint8Array(256 * 1024));
  await waitUntil(() => sock.bytesAvailable() === 256 * 1024, 3000, '256 KiB unread');
  await peer.received.waitBytes(300);
  await sleep(50);
  assert.equal(log.of('drain').length, 0);
});

test('each time the mark is crossed there is a new drain', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  sock.setHighWaterMark(16 * 1024);
  // More than the loopback's kernel buffers take at once: what they take leaves
  // bufferedAmount() at once, as it leaves net's writableLength.
  const size = 16 * MiB;
  peer.pause();
  sock.write(new Uint8Array(size));
  peer.resume();
  await log.until('drain', 5000);
  peer.pause();
  sock.write(new Uint8Array(size));
  assert.ok(sock.bufferedAmount() > 16 * 1024);
  peer.resume();
  await waitUntil(() => log.of('drain').length === 2, 5000, 'a second drain');
  await peer.received.waitBytes(2 * size);
});

test('receive side: past 4 MiB unread the peer stalls; reading lets it finish, in order', { timeout: 10_000 }, async (t) => {
  const { sock, peer } = await connectedPair(t);
  const total = 20 * MiB;
  const data = pseudoRandomBytes(total, 99);
  let peerDone = false;
  peer.write(data, () => { peerDone = true; });

  // The script does not read: the Socket's buffer stops growing a little past 4 MiB.
  await waitUntil(() => sock.bytesAvailable() >= 4 * MiB, 5000, '4 MiB buffered');
  await sleep(500);
  const buffered = sock.bytesAvailable();
  assert.ok(buffered <= 5 * MiB, `${buffered} bytes buffered unread: the host did not stop reading`);
  assert.equal(peerDone, false, "the peer's write stalls while nothing is read");
  assert.ok(peer.writableLength > 0, 'the peer still has bytes queued');

  // Reading lets the rest through.
  const chunks = [];
  let size = 0;
  const drainAll = () => { const b = sock.readBytes(); chunks.push(Buffer.from(b)); size += b.length; };
  sock.dataAvailableEvent = drainAll;
  drainAll();
  await waitUntil(() => size >= total, 8000, `all ${total} bytes (got ${size})`);
  assert.equal(size, total);
  assert.equal(sha256(Buffer.concat(chunks)), sha256(data), 'every byte, in order');
  await waitUntil(() => peerDone, 2000, "the peer's write to complete");
});

test('bufferedAmount() is 0 on an idle or unconnected socket', T, async (t) => {
  const { sock } = await connectedPair(t);
  assert.equal(sock.bufferedAmount(), 0);
  const disconnected = once(sock, 'disconnected');
  sock.close();
  await withTimeout(disconnected, 3000, 'disconnected');
  assert.equal(sock.bufferedAmount(), 0);
});
