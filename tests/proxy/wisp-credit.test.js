// What a Wisp client may make kvsocket-proxy hold for its targets (js/proxy/wisp-credit.js),
// measured with stats.wispQueuedPeak: a client that ignores its credit is closed with 0x41 before
// its stream holds more than the stream's bound (once open, and while it is being looked up); a
// client that keeps to its credit, whatever its packet sizes, is never closed and its bytes arrive
// whole through a target that reads slowly; and one WebSocket's streams together are held to the
// WebSocket's bound by not reading it, without closing anything.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { DEFAULTS } from '../../js/proxy/limits.js';
import { creditPlan } from '../../js/proxy/wisp-credit.js';
import { proxy, sleep, tcpServer, waitUntil } from './helpers.js';
import { CLOSE, TYPE, sendWithinCredit, wispSession } from './wisp-client.js';

const T = { timeout: 30_000 };
const MiB = 1 << 20;
const plan = creditPlan({ maxFrame: DEFAULTS.maxFrame, streamBuffer: DEFAULTS.wispStreamBuffer });
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A target that never reads until `held.resume()`: the kernel's buffers fill, then the proxy's. */
async function stalledTarget(t) {
  const target = await tcpServer(t, (sock) => target.held.push(sock), { pauseOnConnect: true });
  target.held = [];
  return target;
}

/**
 * A target that reads slowly: one read every `ms` ms (a read takes at most 64 KiB); each
 * connection's bytes are counted and hashed (`conns`: {size, hash(), closed}).
 */
async function slowTarget(t, ms = 4) {
  const conns = [];
  const timers = new Set();
  const target = await tcpServer(t, (sock) => {
    const c = { size: 0, sha: createHash('sha256'), closed: false, hash: () => c.sha.copy().digest('hex') };
    conns.push(c);
    sock.on('data', (d) => {
      c.size += d.length;
      c.sha.update(d);
      sock.pause();
    });
    const timer = setInterval(() => sock.resume(), ms);
    timers.add(timer);
    sock.on('close', () => {
      c.closed = true;
      clearInterval(timer);
    });
  }, { pauseOnConnect: true });
  t.after(() => timers.forEach(clearInterval));
  target.conns = conns;
  return target;
}

/** Sends `count` packets of `size` bytes on stream `id` without a look at the credit; stops once the stream is closed. */
async function flood(w, id, count, size) {
  const payload = Buffer.alloc(size, 7);
  for (let i = 0; i < count && w.ws.readyState === w.ws.OPEN; i++) {
    if (w.of(id).some((x) => x.type === TYPE.CLOSE)) return i;
    w.data(id, payload);
    while (w.ws.bufferedAmount > 8 * MiB) await sleep(2);
  }
  return count;
}

test('a client that ignores its credit towards a target that does not read is closed with 0x41 before its stream holds more than its bound', T, async (t) => {
  const target = await stalledTarget(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const w = await wispSession(t, p);
  w.connect(1, '127.0.0.1', target.port);
  await w.opened(1);
  // 256 packets of the largest payload the proxy takes (64 MiB), never waiting for a CONTINUE.
  await flood(w, 1, 256, plan.packet);
  assert.equal(await w.closeOf(1, 20_000), CLOSE.INVALID_INFO);
  assert.ok(p.lines.some((l) => /sent past its credit/.test(l)), p.lines.join('\n'));
  const peak = p.stats.wispQueuedPeak;
  assert.ok(peak > 0 && peak <= plan.bound, `held ${peak} bytes for the stream, its bound is ${plan.bound}`);
  t.diagnostic(`peak held for the stream: ${(peak / MiB).toFixed(2)} MiB (bound ${(plan.bound / MiB).toFixed(2)} MiB)`);
  await waitUntil(() => p.stats.wispQueued === 0 && p.stats.active === 0, 'the stream and its bytes to be gone');
  assert.equal(w.ws.readyState, w.ws.OPEN, 'the other streams go on');
});

test('while a stream is looked up, a client past its initial credit is closed with 0x41 and the early queue holds at most that credit\'s worth', T, async (t) => {
  const target = await stalledTarget(t);
  let answer;
  const lookup = () => new Promise((resolve) => { answer = () => resolve([{ address: '127.0.0.1', family: 4 }]); });
  const p = await proxy(t, { allow: [`slow.test:${target.port}`], lookup });
  const w = await wispSession(t, p);
  const initial = w.of(0).find((x) => x.type === TYPE.CONTINUE).credit;
  assert.equal(initial, plan.initial);
  w.connect(1, 'slow.test', target.port);
  await waitUntil(() => answer, 'the lookup');
  // Up to the initial credit is kept for the open (a client may send at once) ...
  const payload = Buffer.alloc(plan.packet, 1);
  for (let i = 0; i < initial; i++) w.data(1, payload);
  await waitUntil(() => p.stats.wispQueued === initial * plan.packet, 'the early packets to be queued');
  await sleep(50);
  assert.equal(w.of(1).length, 0, 'nothing said about a stream within its credit');
  // ... one more packet is past it.
  await flood(w, 1, 64, plan.packet);
  assert.equal(await w.closeOf(1), CLOSE.INVALID_INFO);
  assert.ok(p.stats.wispQueuedPeak <= initial * plan.packet, `early queue peaked at ${p.stats.wispQueuedPeak}`);
  answer();
  await waitUntil(() => p.stats.wispQueued === 0 && p.stats.active === 0, 'the early bytes to be dropped');
  assert.equal(target.accepts, 0, 'the stream closed during its lookup was never dialled');
});

test('a client that keeps to its credit is never closed: 16 MiB in 1 KiB packets and 16 MiB in 64 KiB packets reach a slow target whole', { timeout: 60_000 }, async (t) => {
  const target = await slowTarget(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const w = await wispSession(t, p);
  const runs = [[1, 1 << 10], [3, 64 << 10], [5, plan.packet]];
  const data = randomBytes(16 * MiB);
  for (const [id, size] of runs) {
    const from = w.packets.length;
    w.connect(id, '127.0.0.1', target.port);
    const t0 = Date.now();
    const continues = await sendWithinCredit(w, id, data, size, from);
    w.close(id); // voluntary: the bytes still reach the target, then its FIN
    const conn = () => target.conns[runs.findIndex((r) => r[0] === id)];
    await waitUntil(() => conn()?.closed, `stream ${id}'s target to get everything and the FIN`, 40_000);
    assert.equal(conn().size, data.length, `packets of ${size} bytes`);
    assert.equal(conn().hash(), sha256(data), `packets of ${size} bytes`);
    assert.ok(!w.of(id).some((x) => x.type === TYPE.CLOSE), `stream ${id} was not closed by the proxy`);
    t.diagnostic(`${size}-byte packets: 16 MiB in ${Date.now() - t0} ms, ${continues} CONTINUEs, peak held ${(p.stats.wispQueuedPeak / MiB).toFixed(2)} MiB`);
  }
  assert.ok(p.stats.wispQueuedPeak <= plan.bound, `peak ${p.stats.wispQueuedPeak} > ${plan.bound}`);
  assert.ok(!p.lines.some((l) => /past its credit/.test(l)), p.lines.join('\n'));
});

test('the streams of one WebSocket together: past --wisp-buffer the WebSocket is not read until half has left; nothing is closed and every byte arrives', { timeout: 60_000 }, async (t) => {
  const target = await stalledTarget(t);
  const wsBuffer = 1 * MiB;
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`], wispBuffer: wsBuffer });
  const w = await wispSession(t, p);
  // Six streams, each sending 12 MiB within its credit to a target that does not read yet: their
  // credit would let the proxy hold 6 × 4 MiB; the WebSocket's bound holds it to about 1 (+ a message).
  const data = randomBytes(12 * MiB);
  const ids = [1, 3, 5, 7, 9, 11];
  for (const id of ids) w.connect(id, '127.0.0.1', target.port);
  const sending = ids.map((id) => sendWithinCredit(w, id, data, plan.packet));
  await waitUntil(() => target.held.length === ids.length, 'every target connection');
  await waitUntil(() => p.stats.wispQueuedPeak > wsBuffer, 'the WebSocket\'s bound to be reached', 20_000);
  await sleep(300); // paused: nothing more is read
  const peak = p.stats.wispQueuedPeak;
  assert.ok(peak <= wsBuffer + DEFAULTS.maxFrame + (64 << 10), `held ${peak} bytes for one WebSocket, bound ${wsBuffer}`);
  t.diagnostic(`one WebSocket's streams held at most ${(peak / MiB).toFixed(2)} MiB (bound ${wsBuffer / MiB} MiB + one message)`);
  // The targets read: everything goes through, nothing was closed.
  const got = new Map();
  for (const [i, sock] of target.held.entries()) {
    const sha = createHash('sha256');
    got.set(i, { sha, size: 0 });
    sock.on('data', (d) => { got.get(i).size += d.length; sha.update(d); });
    sock.resume();
  }
  await Promise.all(sending);
  await waitUntil(() => [...got.values()].every((g) => g.size === data.length), 'every byte at the targets', 40_000);
  for (const g of got.values()) assert.equal(g.sha.digest('hex'), sha256(data));
  for (const id of ids) assert.ok(!w.of(id).some((x) => x.type === TYPE.CLOSE), `stream ${id} was not closed`);
  await waitUntil(() => p.stats.wispQueued === 0, 'nothing held');
});
