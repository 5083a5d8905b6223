// Two rules of docs/spec.md tested against real peers (issue 9):
//  - a drain is only told while the connection still takes writes: never while Closing, never
//    after an error or a disconnect ended it (Backpressure);
//  - after close() the script is done reading: bytes that arrive while Closing are discarded and
//    no dataAvailableEvent follows (close).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { T, Socket, cleanup, connectedPair, once, pseudoRandomBytes, sha256, sleep, tcpServer } from './helpers.js';

const MiB = 1024 * 1024;

test('a peer that resets mid-transfer: no drainEvent after the error, none while not Connected', { timeout: 30_000 }, async (t) => {
  const track = cleanup(t);
  // Reads each connection slowly (64 KiB, then a pause), so that the client's send loop goes
  // over its mark and drains, then resets it (RST) while the client is still sending.
  const server = track(net.createServer((c) => {
    c.on('error', () => {});
    let got = 0;
    c.on('data', (d) => {
      got += d.length;
      if (got > 4 * MiB) return c.resetAndDestroy();
      c.pause();
      setTimeout(() => c.resume(), 1);
    });
  }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const chunk = new Uint8Array(64 * 1024);
  let drains = 0;
  for (let round = 0; round < 20; round++) {
    const sock = track(new Socket());
    sock.setHighWaterMark(64 * 1024);
    const lines = [];
    // A send loop driven by drain, as a script writes one: over the mark, wait for drain.
    const send = () => {
      do sock.write(chunk); while (sock.bufferedAmount() <= 64 * 1024);
    };
    sock.connectedEvent = send;
    sock.drainEvent = () => {
      drains++;
      lines.push(`drain ${sock.status(true)}`);
      send();
    };
    sock.errorEvent = (code) => lines.push(`error ${code}`);
    const ended = once(sock, 'disconnected', 5000);
    sock.connect('127.0.0.1', port);
    const { detail } = await ended;
    await sleep(20); // a drain that would still come, comes now
    const end = lines.findIndex((l) => l.startsWith('error'));
    assert.ok(end >= 0, `round ${round}: an error ended it (${lines.join(', ')})`);
    assert.deepEqual(lines.slice(end + 1), [], `round ${round}: nothing after the error`);
    assert.deepEqual(lines.filter((l) => l.startsWith('drain') && l !== 'drain Connected'), [], `round ${round}`);
    assert.notEqual(detail.error, '', 'disconnected with the error');
    sock.destroy();
  }
  assert.ok(drains > 0, 'the send loop did go over the mark and drain before the resets');
});

test('close() with output over the mark: the flush completes, and no drainEvent comes while Closing', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  sock.setHighWaterMark(64 * 1024);
  const data = pseudoRandomBytes(6 * MiB, 11);
  sock.write(data);
  sock.close();
  assert.equal(sock.status(true), 'Closing');
  await log.until('disconnected', 8000);
  await peer.received.waitBytes(data.length, 8000);
  assert.equal(sha256(peer.received.buffer), sha256(data));
  assert.deepEqual(log.of('drain'), [], 'Closing takes no writes: no drain is owed');
  assert.deepEqual(log.labels((e) => e.type !== 'dataAvailable').slice(-3),
    ['stateChanged(Closing)', 'stateChanged(Unconnected)', 'disconnected("")']);
});

test('close() against a peer that answers: its answer is discarded, no dataAvailableEvent while Closing', T, async (t) => {
  // An echo server: 16 MiB written and close() at once (more than the kernel takes at once,
  // so that close() leaves the socket Closing), and the echo arrives while Closing.
  const track = cleanup(t);
  const server = track(await tcpServer({ onConnection: (c) => c.pipe(c) }));
  const sock = track(new Socket());
  const log = record(sock);
  await new Promise((resolve) => { sock.connectedEvent = resolve; sock.connect('127.0.0.1', server.port); });
  const peer = await server.next();
  const data = pseudoRandomBytes(16 * MiB, 3);
  assert.equal(sock.write(data), data.length);
  sock.close();
  assert.equal(sock.status(true), 'Closing');
  await log.until('disconnected', 8000);
  await peer.received.waitBytes(data.length, 8000);
  assert.equal(sha256(peer.received.buffer), sha256(data), 'the peer got every byte');
  await sleep(100); // the rest of the echo comes back now, and is dropped
  assert.deepEqual(log.labels(), ['stateChanged(Connecting)', 'stateChanged(Connected)',
    'stateChanged(Closing)', 'stateChanged(Unconnected)', 'disconnected("")']);
  assert.equal(sock.bytesAvailable(), 0);
});

test('close() when the peer closes first: bytes it sent before close() stay readable, none after', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  peer.write('before');
  await log.until('dataAvailable');
  sock.write(pseudoRandomBytes(4 * MiB, 5));
  peer.pause(); // our flush waits on the peer, so close() leaves us Closing
  sock.close();
  assert.equal(sock.status(true), 'Closing');
  peer.end('after'); // sent while we are Closing: discarded
  await sleep(50);
  peer.resume();
  await log.until('disconnected', 8000);
  assert.equal(log.of('dataAvailable').length, 1, `only the bytes from before close(): ${log.labels()}`);
  assert.equal(sock.read(), 'before');
  assert.equal(log.of('disconnected')[0].detail.error, '');
});

function record(sock) {
  const log = [];
  for (const type of ['stateChanged', 'dataAvailable', 'drain', 'error', 'disconnected']) {
    sock.addEventListener(type, (e) => log.push({ type, detail: e.detail }));
  }
  log.labels = () => log.map(({ type, detail }) => (type === 'stateChanged' ? `${type}(${detail.name})`
    : type === 'disconnected' ? `${type}(${JSON.stringify(detail.error)})` : type));
  log.until = async (type, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!log.some((e) => e.type === type)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${type}`);
      await sleep(5);
    }
  };
  return log;
}
