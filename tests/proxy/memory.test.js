// The proxy's memory under a target that never reads (issue 11): 8 tunnels each pushing two
// 60 MiB messages, then 8 tunnels each pushing 32 MiB in 64 KiB messages, at a target that never
// reads. The proxy runs as its own process (the kvsocket-proxy bin with its defaults), so its
// RSS is its own. It must stay within a per-tunnel bound plus what any Node process keeps from
// moving bytes at all (garbage buffers V8 collects late, pages the allocator keeps), and a second
// round after the close must reuse that memory rather than add to it. (Before the bounds, the
// first part alone took the proxy from 81 to 975 MiB.)

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
// What the process keeps from moving bytes at all, whatever the number of tunnels: V8 lets
// external (Buffer) garbage grow to tens of MiB before it collects, and glibc keeps freed pages.
const SLACK = 48 * MiB;

const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

async function startBin(t, args) {
  const cli = fileURLToPath(new URL('../../js/proxy/cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--listen', '127.0.0.1:0', '--quiet', ...args]);
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const url = await withTimeout(new Promise((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (ws:\S+)/.exec(stderr);
      if (m && /limits: /.test(stderr)) resolve(m[1]);
    });
  }), 5000, 'the bin to start');
  return { child, url };
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
  const { child, url } = await startBin(t, ['--allow', `127.0.0.1:${target.port}`]);
  const tunnelUrl = `${url}?host=127.0.0.1&port=${target.port}`;
  // Warm up: one tunnel open and closed, so that the baseline has the code paths loaded.
  const warm = await mustOpen(t, tunnelUrl);
  warm.send(Buffer.alloc(64 << 10));
  warm.close();
  await closed(warm);
  await sleep(200);
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
  const rounds = [];
  for (let round = 0; round < 2; round++) {
    const streams = await Promise.all(Array.from({ length: TUNNELS }, () => mustOpen(t, tunnelUrl)));
    const sent = await Promise.all(streams.map((ws) => pushMessages(ws, 32 * MiB)));
    await sleep(300);
    peak = Math.max(peak, rssOf(child.pid));
    rounds.push(peak - baseline);
    t.diagnostic(`round ${round + 1}: baseline ${(baseline / MiB).toFixed(1)} MiB, +${(afterBig / MiB).toFixed(1)} after the 60 MiB ` +
      `messages, peak +${((peak - baseline) / MiB).toFixed(1)} MiB; sent per tunnel before the stall: ` +
      `${sent.map((n) => (n / MiB).toFixed(0)).join(' ')} MiB`);
    for (const ws of streams) ws.terminate(); // both ends go away: the pages and the target
    target.dropAll();
    await sleep(500);
  }
  assert.ok(rounds[0] < TUNNELS * PER_TUNNEL + SLACK, `the proxy grew by ${(rounds[0] / MiB).toFixed(1)} MiB`);
  assert.ok(rounds[1] - rounds[0] < 16 * MiB, `the second round added ${((rounds[1] - rounds[0]) / MiB).toFixed(1)} MiB`);
});
