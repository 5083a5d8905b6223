// Idle tunnels share one read buffer (tunnel.js): what lands in it is copied out in its read's
// callback, and a tunnel that reads much gets buffers of its own. Many tunnels at once, each
// mixing small writes (read into the shared buffer) with bursts (own buffers, then back to the
// shared one), must each get exactly their own bytes.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { T, collect, mustOpen, proxy, tcpServer, tcpUrl } from './helpers.js';

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
// More than the kernel's loopback buffers hold, so that some of it waits in the proxy.
const SIZE = 10 << 20;
const TUNNELS = 4;

test('tunnels at once, small writes and bursts interleaved: every tunnel gets its own bytes, whole and in order', T, async (t) => {
  const sent = [];
  const source = await tcpServer(t, (sock) => {
    const data = randomBytes(SIZE);
    sent.push(data);
    let at = 0;
    let round = 0;
    const next = () => {
      if (sock.destroyed) return;
      if (at >= data.length) return sock.end();
      // Small pieces most rounds, a 200 KiB burst every fifth: the reader moves between the
      // shared buffer and its own.
      const size = round % 5 === 4 ? 200 << 10 : 1 + ((round * 977) % 3000);
      round += 1;
      sock.write(data.subarray(at, at + size));
      at += size;
      setImmediate(next);
    };
    next();
  });
  const p = await proxy(t, { allow: [`127.0.0.1:${source.port}`], maxPerClient: 100 });
  const tunnels = await Promise.all(Array.from({ length: TUNNELS }, () => mustOpen(t, tcpUrl(p, '127.0.0.1', source.port))));
  // The clients do not read for a while, so that once the kernel's buffers are full what the
  // proxy sends them waits in its own queues (up to the 1 MiB at which it stops reading the
  // targets): a chunk still pointing into the shared buffer there would be overwritten by the
  // next read.
  for (const ws of tunnels) ws._socket.pause();
  await new Promise((resolve) => setTimeout(resolve, 800));
  for (const ws of tunnels) ws._socket.resume();
  const got = await Promise.all(tunnels.map((ws) => collect(ws)));
  const want = new Set(sent.map(sha256));
  assert.equal(want.size, TUNNELS);
  for (const g of got) {
    assert.equal(g.code, 1000);
    assert.equal(g.data.length, SIZE);
    assert.ok(want.has(sha256(g.data)), 'the bytes of one connection, none of another');
  }
});
