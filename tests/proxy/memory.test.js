// The proxy's memory under a target that never reads (issue 11): 8 tunnels each pushing two
// 60 MiB messages, then 8 tunnels each pushing 32 MiB in 64 KiB messages, at a target that never
// reads. The proxy runs as its own process (the kvsocket-proxy bin with its defaults), so its
// memory is its own. Two measures:
//  - live memory (V8 heap plus Buffers, after a full collection: memory-probe.cjs): what the
//    proxy holds while the tunnels are stalled must stay within the per-tunnel bound, and go
//    back to the baseline once they are closed. This is the bound itself, and does not depend
//    on when V8 collects.
//  - RSS, which is what the machine pays, over both rounds: within the bound plus what any Node
//    process keeps from moving bytes at all (garbage V8 collects late, pages the allocator
//    keeps). Only a guard against a runaway: Node 24 collects later than Node 20 and its RSS
//    moves by 20-40 MiB between two equal rounds while the live memory does not (so no leak).
//    (Before the bounds, the first part alone took the proxy from 81 to 975 MiB.)

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { closed, mustOpen, sleep, tcpServer, withTimeout } from './helpers.js';

const MiB = 1 << 20;
const TUNNELS = 8;
// Documented in docs/proxy-protocol.md (Limits): what one stalled tunnel holds.
const PER_TUNNEL = 1.5 * MiB;
// Live memory besides the tunnels' that may differ between two probes (compiled code, caches).
const LIVE_SLACK = 4 * MiB;
// What the process keeps from moving bytes at all, whatever the number of tunnels: V8 lets
// external (Buffer) garbage and its young generation grow to tens of MiB before it collects
// (more on Node 24 than on Node 20), and glibc keeps freed pages.
const SLACK = 96 * MiB;

const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const mib = (n) => `${(n / MiB).toFixed(1)} MiB`;

async function startBin(t, args) {
  const cli = fileURLToPath(new URL('../../js/proxy/cli.js', import.meta.url));
  const probe = fileURLToPath(new URL('./memory-probe.cjs', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', '--require', probe, cli, '--listen', '127.0.0.1:0', '--quiet', '--workers', '1', ...args]);
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  let probed = null;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const m of stderr.matchAll(/memory-probe: (\{.*\})\n/g)) probed?.(JSON.parse(m[1]));
    stderr = stderr.replace(/memory-probe: .*\n/g, '');
  });
  const url = await withTimeout(new Promise((resolve) => {
    child.stderr.on('data', () => {
      const m = /listening on (ws:\S+)/.exec(stderr);
      if (m && /limits: /.test(stderr)) resolve(m[1]);
    });
  }), 5000, 'the bin to start');
  /** The proxy's live memory (heap + Buffers) after a full collection, and its RSS then. */
  const live = () => withTimeout(new Promise((resolve) => {
    probed = (m) => {
      probed = null;
      resolve({ live: m.heapUsed + m.external, rss: m.rss });
    };
    child.kill('SIGUSR2');
  }), 5000, 'the memory probe');
  return { child, url, live };
}

/** Writes a binary frame header announcing `size` bytes (masked with a zero key, so the payload is sent as is). */
function frameHeader(size) {
  const h = Buffer.alloc(14);
  h[0] = 0x82; // FIN, binary
  h[1] = 0x80 | 127; // masked, 64-bit length
  h.writeBigUInt64BE(BigInt(size), 2);
  return h; // bytes 10-13: the mask key, zero
}

/** Streams zeros into `sock` until `total` bytes are written, it closes, or `stop()`. */
function pushZeros(sock, total, zeros, stop) {
  return new Promise((resolve) => {
    let written = 0;
    const done = () => resolve(written);
    sock.once('close', done);
    const pump = () => {
      while (written < total && !sock.destroyed && !stop()) {
        const n = Math.min(zeros.length, total - written);
        written += n;
        if (!sock.write(zeros.subarray(0, n))) return sock.once('drain', pump);
      }
      done();
    };
    pump();
  });
}

/** Sends 64 KiB messages while the client's own queue stays small, until `total` or a stall. */
async function pushMessages(ws, total) {
  const chunk = Buffer.alloc(64 << 10, 1);
  let sent = 0;
  let stalledSince = null;
  while (sent < total && ws.readyState === ws.OPEN) {
    if (ws.bufferedAmount < MiB) {
      ws.send(chunk);
      sent += chunk.length;
      stalledSince = null;
    } else {
      stalledSince ??= Date.now();
      if (Date.now() - stalledSince > 500) break; // the proxy stopped reading: that is the point
      await sleep(10);
    }
  }
  return sent;
}

test('a target that never reads: the proxy stays within its per-tunnel bound and gives memory back', { timeout: 60_000 }, async (t) => {
  const held = new Set();
  const target = await tcpServer(t, (sock) => {
    held.add(sock);
    sock.on('close', () => held.delete(sock));
  }, { pauseOnConnect: true });
  target.dropAll = () => held.forEach((s) => s.destroy());
  const { child, url, live } = await startBin(t, ['--allow', `127.0.0.1:${target.port}`]);
  const tunnelUrl = `${url}?host=127.0.0.1&port=${target.port}`;
  // Warm up: one tunnel open and closed, so that the baseline has the code paths loaded.
  const warm = await mustOpen(t, tunnelUrl);
  warm.send(Buffer.alloc(64 << 10));
  warm.close();
  await closed(warm);
  await sleep(200);
  const liveBaseline = (await live()).live;
  const baseline = rssOf(child.pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(child.pid))), 20);
  t.after(() => clearInterval(sampler));

  // 1. Messages of 60 MiB (the proxy refuses each at its header: 1009).
  const zeros = Buffer.alloc(MiB);
  const big = await Promise.all(Array.from({ length: TUNNELS }, async () => {
    const ws = await mustOpen(t, tunnelUrl);
    const sock = ws._socket;
    sock.write(frameHeader(60 * MiB));
    // Until the proxy's close frame (1009) arrives: what is written after it is read and dropped.
    const written = await pushZeros(sock, 120 * MiB, zeros, () => ws.readyState !== ws.OPEN);
    return { code: (await closed(ws, 30_000)).code, written };
  }));
  for (const { code } of big) assert.equal(code, 1009);
  const afterBig = rssOf(child.pid) - baseline;

  // 2. Messages of 64 KiB, with the page's own queue kept small: the proxy must stop reading.
  // Twice, both ends closed in between: the second round reuses what the first one freed.
  const liveAfterBig = (await live()).live - liveBaseline;
  const rounds = [];
  const stalled = []; // live memory while the tunnels are stalled, over the baseline
  const left = []; // live memory once they are closed, over the baseline
  for (let round = 0; round < 2; round++) {
    const streams = await Promise.all(Array.from({ length: TUNNELS }, () => mustOpen(t, tunnelUrl)));
    const sent = await Promise.all(streams.map((ws) => pushMessages(ws, 32 * MiB)));
    await sleep(300);
    peak = Math.max(peak, rssOf(child.pid));
    stalled.push((await live()).live - liveBaseline);
    rounds.push(peak - baseline);
    for (const ws of streams) ws.terminate(); // both ends go away: the pages and the target
    target.dropAll();
    await sleep(500);
    left.push((await live()).live - liveBaseline);
    t.diagnostic(`round ${round + 1}: live ${mib(liveBaseline)} at the start, +${mib(liveAfterBig)} after the 60 MiB messages, ` +
      `+${mib(stalled[round])} stalled, +${mib(left[round])} closed; RSS ${mib(baseline)} at the start, ` +
      `+${mib(afterBig)} after the 60 MiB messages, peak +${mib(peak - baseline)}; sent per tunnel before the stall: ` +
      `${sent.map((n) => (n / MiB).toFixed(0)).join(' ')} MiB`);
  }
  const bound = TUNNELS * PER_TUNNEL + LIVE_SLACK;
  assert.ok(liveAfterBig < LIVE_SLACK, `refused 60 MiB messages left ${mib(liveAfterBig)} live`);
  for (const round of [0, 1]) {
    assert.ok(stalled[round] < bound, `round ${round + 1}: ${TUNNELS} stalled tunnels held ${mib(stalled[round])} (bound ${mib(bound)})`);
    assert.ok(left[round] < LIVE_SLACK, `round ${round + 1}: ${mib(left[round])} still live after the close`);
  }
  // RSS only as a guard against a runaway: when V8 collects moves it by tens of MiB between
  // rounds and Node versions (the live measures above are the bound itself).
  assert.ok(rounds[1] < TUNNELS * PER_TUNNEL + SLACK, `the proxy's RSS grew by ${mib(rounds[1])}`);
});
