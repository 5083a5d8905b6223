// What an idle tunnel costs the proxy (issue 22): its live memory (heap and Buffers after a
// full collection, in the bin's own process) per tunnel, over a warmed-up baseline. An idle
// tunnel keeps nothing of its handshake and no read buffer of its own (they were 28.7 KiB a
// tunnel together with the rest: 16 KiB of Buffer, 12.5 KiB of heap; 13.3 KiB once the buffer
// was shared; now about 7.8 KiB).

import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { WebSocket, tcpServer, withTimeout } from './helpers.js';
import { startBin } from './bin.js';

const TUNNELS = 600;
const BOUND = 10 << 10;

test(`an idle tunnel costs at most ${BOUND >> 10} KiB of live memory (${TUNNELS} held)`, { timeout: 30_000 }, async (t) => {
  const holder = await tcpServer(t, () => {});
  const probe = fileURLToPath(new URL('./memory-probe.cjs', import.meta.url));
  const bin = await startBin(t, ['--workers', '1', '--quiet', '--allow', `127.0.0.1:${holder.port}`, '--max-per-client', '2000',
    '--max-connections', '2000', '--idle-timeout', '0'], { execArgv: ['--expose-gc', '--require', probe] });
  const live = () => withTimeout(new Promise((resolve) => {
    let seen = '';
    const look = (d) => {
      seen += d;
      const m = /memory-probe: (\{.*\})\n/.exec(seen);
      if (!m) return;
      bin.child.stderr.off('data', look);
      const { heapUsed, external } = JSON.parse(m[1]);
      resolve(heapUsed + external);
    };
    bin.child.stderr.on('data', look);
    bin.child.kill('SIGUSR2');
  }), 5000, 'the memory probe');
  const open = (n) => Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const ws = new WebSocket(`${bin.url}?host=127.0.0.1&port=${holder.port}`, ['binary']);
    t.after(() => ws.terminate());
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  })));
  for (const ws of await open(100)) ws.terminate(); // warm-up: code, pools, caches
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = await live();
  await open(TUNNELS);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const perTunnel = ((await live()) - before) / TUNNELS;
  t.diagnostic(`live memory per idle tunnel: ${(perTunnel / 1024).toFixed(1)} KiB`);
  assert.ok(perTunnel <= BOUND, `${(perTunnel / 1024).toFixed(1)} KiB a tunnel (bound ${BOUND >> 10} KiB)`);
});
