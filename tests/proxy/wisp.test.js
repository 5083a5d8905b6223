// kvsocket-proxy's Wisp endpoint (/wisp/) driven packet by packet with a raw client
// (wisp-client.js), against real servers on 127.0.0.1: what a stream's CLOSE does to its
// target and to its id, a CLOSE during the lookup, UDP streams under the per-socket UDP rules,
// and the idle timeout. The interop side (our client and wisp-js's through /wisp/) is in
// tests/wisp/proxy.test.js.

import test from 'node:test';
import assert from 'node:assert/strict';
import { HIGH } from '../../js/proxy/tunnel.js';
import { T, proxy, sleep, tcpServer, udpPeer, waitUntil, withTimeout } from './helpers.js';
import { CLOSE, EXT, StreamType, TYPE, wispSession } from './wisp-client.js';

const types = (packets) => packets.map((x) => x.type);

/** A resolver that answers 127.0.0.1 for every name only once `answer()` is called. */
function heldResolver() {
  const r = { asked: 0, waiting: [] };
  r.lookup = () => {
    r.asked += 1;
    return new Promise((resolve) => r.waiting.push(() => resolve([{ address: '127.0.0.1', family: 4 }])));
  };
  r.answer = () => r.waiting.splice(0).forEach((go) => go());
  return r;
}

/** Resolves once the proxy has read every packet sent before this call: it answers a CONNECT to a denied port. */
async function settled(w, id) {
  w.connect(id, '127.0.0.1', 1);
  assert.equal(await w.closeOf(id), CLOSE.BLOCKED);
}

test('after the client CLOSEs a stream nothing more is sent for it: the target gets what was sent and a FIN, its answer is dropped, and the id opens a new stream', T, async (t) => {
  const got = [];
  let aClosed;
  const aGone = new Promise((resolve) => (aClosed = resolve));
  const a = await tcpServer(t, (sock) => {
    sock.on('data', (d) => got.push(d));
    sock.on('end', () => sock.end('late bytes from A')); // answers the FIN, then ends
    sock.on('close', aClosed);
  }, { allowHalfOpen: true });
  const b = await tcpServer(t, (sock) => sock.write('hello from B'));
  const p = await proxy(t, { allow: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`] });
  const w = await wispSession(t, p);

  w.connect(7, '127.0.0.1', a.port);
  await w.opened(7);
  w.data(7, 'last words');
  w.close(7);
  await withTimeout(aGone, 5000, 'target A to close');
  assert.equal(Buffer.concat(got).toString(), 'last words');
  await settled(w, 99);
  assert.deepEqual(types(w.of(7)), [TYPE.CONTINUE], 'only the open confirmation: no DATA, no CLOSE after the client closed it');

  const before = w.of(7).length;
  w.connect(7, '127.0.0.1', b.port);
  await w.opened(7, before);
  await waitUntil(() => w.dataOf(7).length >= 12, "B's bytes");
  await settled(w, 98);
  assert.equal(w.dataOf(7).toString(), 'hello from B');
  assert.equal(p.stats.active, 1, 'the closed stream gave its slot back; the new one holds one');
});

test('a CLOSE with another reason destroys the target at once; after a voluntary one the target\'s answer is read and dropped, until it ends or the proxy closes', T, async (t) => {
  const seen = new Map(); // the target's sockets by the first bytes they got: what happened to each
  const target = await tcpServer(t, (sock) => {
    const s = { end: false, closed: false };
    sock.on('data', (d) => seen.has(d.toString()) || seen.set(d.toString(), s));
    // Goes on talking after the FIN and never ends its own side: a destroyed socket answers
    // that with a reset, which the next write reports.
    let talk = null;
    sock.on('end', () => {
      s.end = true;
      talk = setInterval(() => sock.write('an answer nobody reads'), 20);
    });
    sock.on('close', () => {
      s.closed = true;
      clearInterval(talk);
    });
  }, { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const w = await wispSession(t, p);
  for (const [id, name] of [[3, 'aborted'], [5, 'finished']]) {
    w.connect(id, '127.0.0.1', target.port);
    await w.opened(id);
    w.data(id, name);
    await waitUntil(() => seen.has(name), `the target to get '${name}'`);
  }
  w.close(3, CLOSE.NETWORK_ERROR);
  w.close(5, CLOSE.VOLUNTARY);
  await waitUntil(() => seen.get('aborted').closed && seen.get('finished').end, 'the reset and the FIN');
  await settled(w, 99);
  await sleep(100);
  assert.equal(seen.get('finished').closed, false, 'after a voluntary CLOSE the proxy still reads what the target says');
  assert.deepEqual(types(w.of(3)), [TYPE.CONTINUE]);
  assert.deepEqual(types(w.of(5)), [TYPE.CONTINUE], 'and sends none of it');
  assert.equal(p.stats.active, 1, 'the lingering target keeps its slot until it is closed');
  await p.close(); // the lingering target is the proxy's still: its close reaches it
  await waitUntil(() => seen.get('finished').closed, 'the lingering target to be closed by proxy.close()');
});

test('a stream closed while its name is being looked up is never dialled; one with bytes queued gets them, then a FIN', T, async (t) => {
  const got = [];
  const target = await tcpServer(t, (sock) => {
    sock.on('data', (d) => got.push(d));
    sock.on('end', () => got.push('FIN'));
  });
  const dns = heldResolver();
  const p = await proxy(t, { allow: [`slow.test:${target.port}`], allowLoopback: true, lookup: dns.lookup });
  const w = await wispSession(t, p);

  w.connect(9, 'slow.test', target.port);
  await waitUntil(() => dns.asked === 1, 'the lookup');
  w.close(9);
  await settled(w, 99);
  assert.equal(p.stats.active, 1, 'the closed stream keeps its slot while its lookup runs (issue 18, 4)');
  dns.answer();
  await waitUntil(() => p.stats.active === 0, 'the slot back once the lookup answered');
  await sleep(200);
  assert.equal(target.accepts, 0, 'the closed stream was dialled');
  assert.deepEqual(w.of(9), []);

  // A v1 client cannot know when a stream is open: CONNECT, DATA, CLOSE at once still delivers.
  w.connect(11, 'slow.test', target.port);
  w.data(11, 'fire and forget');
  w.close(11);
  await waitUntil(() => dns.asked === 2, 'the second lookup');
  dns.answer();
  await waitUntil(() => got.includes('FIN'), 'the FIN');
  assert.deepEqual(got.map(String), ['fire and forget', 'FIN']);
  await settled(w, 98);
  assert.deepEqual(w.of(11), [], 'nothing is sent for a stream the client closed');
});

test('closing the Wisp WebSocket while a lookup is in flight dials nothing', T, async (t) => {
  const target = await tcpServer(t);
  const dns = heldResolver();
  const p = await proxy(t, { allow: [`slow.test:${target.port}`], allowLoopback: true, lookup: dns.lookup });
  const w = await wispSession(t, p);
  w.connect(4, 'slow.test', target.port);
  await waitUntil(() => dns.asked === 1, 'the lookup');
  w.ws.close();
  await waitUntil(() => p.stats.clients === 0, 'the WebSocket to be gone');
  assert.equal(p.stats.active, 1, 'the stream keeps its slot while its lookup runs (issue 18, 4)');
  dns.answer();
  await waitUntil(() => p.stats.active === 0, 'the slot back once the lookup answered');
  await sleep(200);
  assert.equal(target.accepts, 0);
});

test('the target\'s FIN ends its stream with a voluntary CLOSE after its bytes', T, async (t) => {
  const target = await tcpServer(t, (sock) => sock.end('all of it'), { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const w = await wispSession(t, p);
  w.connect(2, '127.0.0.1', target.port);
  assert.equal(await w.closeOf(2), CLOSE.VOLUNTARY);
  assert.equal(w.dataOf(2).toString(), 'all of it');
  assert.deepEqual(types(w.of(2)), [TYPE.CONTINUE, TYPE.DATA, TYPE.CLOSE]);
  await waitUntil(() => p.stats.active === 0, 'the slot to come back');
});

test('UDP streams count their bytes like UDP sessions do', T, async (t) => {
  const echo = await udpPeer(t, { echo: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`] });
  const w = await wispSession(t, p);
  w.connect(6, '127.0.0.1', echo.port, StreamType.UDP);
  await w.opened(6);
  const from = p.stats.bytesFromClients;
  const to = p.stats.bytesToClients;
  for (const d of ['one', 'datagram', 'each']) w.data(6, d);
  await waitUntil(() => w.dataOf(6).length === 15, 'the echoes');
  assert.equal(p.stats.bytesFromClients - from, 15);
  assert.equal(p.stats.bytesToClients - to, 15);
});

test('UDP streams drop datagrams for a client that does not read once 1 MiB is queued, as UDP sessions do', { timeout: 30_000 }, async (t) => {
  const peer = await udpPeer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${peer.port}`] });
  const w = await wispSession(t, p);
  w.connect(8, '127.0.0.1', peer.port, StreamType.UDP);
  await w.opened(8);
  w.data(8, 'here I am');
  await waitUntil(() => peer.received.length === 1, 'the first datagram');
  const { from } = peer.received[0];
  const before = p.stats.bytesToClients;
  w.ws.pause(); // the client stops reading: the proxy's queue towards it grows
  const datagram = Buffer.alloc(32 << 10, 0x5a);
  const COUNT = 1536; // 48 MiB, far more than HIGH plus the kernel's buffers on both sides
  for (let i = 0; i < COUNT; i++) {
    peer.send(datagram, from.port, from.address);
    // One event-loop turn every 4 datagrams: the proxy reads them before its socket buffer overflows.
    if (i % 4 === 3) await new Promise((resolve) => setImmediate(resolve));
  }
  await sleep(100);
  w.ws.resume();
  const forwarded = () => p.stats.bytesToClients - before;
  await waitUntil(() => w.dataOf(8).length === forwarded() && forwarded() > 0, 'what the proxy forwarded to arrive', 10_000);
  const total = COUNT * datagram.length;
  t.diagnostic(`forwarded ${(forwarded() / 2 ** 20).toFixed(1)} of ${total / 2 ** 20} MiB`);
  assert.ok(forwarded() < total / 2, `the proxy queued ${forwarded()} bytes for a client that did not read (HIGH is ${HIGH})`);
});

test('--idle-timeout: a Wisp stream with no byte either way is closed with 0x47, TCP and UDP alike', T, async (t) => {
  const target = await tcpServer(t);
  const peer = await udpPeer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`, `127.0.0.1:${peer.port}`], idleTimeout: 300 });
  const w = await wispSession(t, p);
  w.connect(1, '127.0.0.1', target.port);
  w.connect(2, '127.0.0.1', peer.port, StreamType.UDP);
  await w.opened(1);
  await w.opened(2);
  assert.equal(await w.closeOf(1), CLOSE.TRANSFER_TIMEOUT);
  assert.equal(await w.closeOf(2), CLOSE.TRANSFER_TIMEOUT);
  await waitUntil(() => p.stats.active === 0 && target.accepts === 1, 'the slots to come back');
});

test('a CLOSE for an unknown stream changes nothing; a CONNECT for an id in use ends that stream with 0x41', T, async (t) => {
  let closedTarget = false;
  const target = await tcpServer(t, (sock) => sock.on('close', () => (closedTarget = true)));
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const w = await wispSession(t, p);
  w.close(12345);
  w.close(12346, CLOSE.NETWORK_ERROR);
  w.connect(1, '127.0.0.1', target.port);
  await w.opened(1);
  w.connect(1, '127.0.0.1', target.port);
  assert.equal(await w.closeOf(1), CLOSE.INVALID_INFO);
  await waitUntil(() => closedTarget && p.stats.active === 0, 'the first stream\'s target to be closed');
  assert.equal(target.accepts, 1, 'the second CONNECT dialled nothing');
  assert.equal(w.ws.readyState, w.ws.OPEN);
});

// Credit, and the bytes a stream and a WebSocket may leave queued: wisp-credit.test.js.

test('the receive-pause extension: offered in the INFO; a paused stream\'s target is not read until the resume', T, async (t) => {
  const MiB = 1 << 20;
  const block = Buffer.alloc(MiB, 7);
  let pushed = 0;
  let target = null;
  const server = await tcpServer(t, async (sock) => {
    target = sock;
    while (!sock.destroyed) {
      pushed += block.length;
      if (!sock.write(block)) await new Promise((resolve) => sock.once('drain', resolve).once('close', resolve));
    }
  });
  const handed = () => pushed - (target?.writableLength ?? 0);
  const p = await proxy(t, { allow: [`127.0.0.1:${server.port}`] });
  const w = await wispSession(t, p);
  const info = w.packets.find((x) => x.type === TYPE.INFO);
  assert.ok(info.extensions.includes(EXT.RECEIVE_PAUSE), 'the server offers the receive pause');
  w.connect(3, '127.0.0.1', server.port);
  await w.opened(3);
  const got = () => w.of(3).filter((x) => x.type === TYPE.DATA).reduce((n, x) => n + x.payload.length, 0);
  await waitUntil(() => got() > 4 * MiB, '4 MiB on the stream');
  w.pause(3, true);
  // Quiet both ways: nothing more arrives, and the target's system takes nothing more (the
  // kernel's buffers between the target and the proxy fill first).
  let before = -1;
  let stalled = -1;
  for (let i = 0; i < 50; i++) {
    await sleep(200);
    const now = [got(), handed()];
    if (now[0] === before && now[1] === stalled) break;
    [before, stalled] = now;
  }
  await sleep(300);
  assert.equal(got(), before, 'no DATA while paused');
  assert.equal(handed(), stalled, 'the target stalled');
  w.pause(3, false);
  await waitUntil(() => got() > before + 8 * MiB, '8 MiB more after the resume');
});
