// The page's receive pause on a per-socket tunnel (docs/proxy-protocol.md, "The receive pause"):
// with the end exchange the proxy says it takes `{"type":"pause"}` / `{"type":"resume"}` (in
// `connected`, and in a listener's `incoming`), stops reading the target while paused — so the
// target stalls once the kernel's buffers are full — and reads on after the resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, closed, mustOpen, nextJson, proxy, sleep, tcpServer, tcpUrl, waitUntil } from './helpers.js';

const MiB = 1 << 20;

/** A target that writes 1 MiB blocks as fast as they are taken; `handed()`: what its system took. */
async function flood(t) {
  const block = Buffer.alloc(MiB, 7);
  let sock = null;
  let pushed = 0;
  const server = await tcpServer(t, async (s) => {
    sock = s;
    while (!s.destroyed) {
      pushed += block.length;
      if (!s.write(block)) await new Promise((resolve) => s.once('drain', resolve).once('close', resolve));
    }
  });
  return { port: server.port, handed: () => pushed - (sock?.writableLength ?? 0) };
}

const binaryBytes = (ws) => ws.inbox.filter((m) => m.isBinary).reduce((n, m) => n + m.data.length, 0);

test('paused, the proxy stops reading the target; resumed, it reads on', T, async (t) => {
  const p = await proxy(t, { allow: ['127.0.0.1:*'] });
  const target = await flood(t);
  const ws = await mustOpen(t, `${tcpUrl(p, '127.0.0.1', target.port)}&end=1&report=1`);
  const connected = await nextJson(ws, "'connected'");
  assert.equal(connected.pause, true, 'the proxy says it takes pause messages');
  await waitUntil(() => binaryBytes(ws) > 4 * MiB, '4 MiB through the tunnel');
  ws.send('{"type":"pause"}');
  // Quiet both ways: nothing more arrives, and the target's system takes nothing more (the
  // kernel's buffers between the target and the proxy fill first).
  let before = -1;
  let stalled = -1;
  for (let i = 0; i < 50; i++) {
    await sleep(200);
    const now = [binaryBytes(ws), target.handed()];
    if (now[0] === before && now[1] === stalled) break;
    [before, stalled] = now;
  }
  await sleep(300);
  assert.equal(binaryBytes(ws), before, 'no bytes while paused');
  assert.equal(target.handed(), stalled, 'the target stalled');
  ws.send('{"type":"resume"}');
  await waitUntil(() => binaryBytes(ws) > before + 8 * MiB, '8 MiB more after the resume');
  assert.ok(target.handed() > stalled);
});

test('without the end exchange a pause message is a text frame the tunnel refuses (1003), as before', T, async (t) => {
  const p = await proxy(t, { allow: ['127.0.0.1:*'] });
  const target = await flood(t);
  const ws = await mustOpen(t, `${tcpUrl(p, '127.0.0.1', target.port)}&report=1`);
  const connected = await nextJson(ws, "'connected'");
  assert.equal(connected.pause, undefined, 'no pause offered without end=1');
  ws.send('{"type":"pause"}');
  assert.equal((await closed(ws)).code, 1003);
});
