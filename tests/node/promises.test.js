// Promises, iteration, once/off and AbortSignal on Socket (js/promises.js) on Node: the
// scenarios of tests/promises/scenarios.js (tests/browser/promises.test.js runs the same ones in
// Chromium) against real net/dgram peers on 127.0.0.1.
import test from 'node:test';
import { Socket } from 'kvsocket';
import { scenarios } from '../promises/scenarios.js';
import { startPeers } from '../direct/peers.js';

test('Socket promises on Node', { timeout: 60000 }, async (t) => {
  const peers = await startPeers();
  t.after(() => peers.close());
  const env = { ports: peers.ports, browser: false };
  for (const [name, run] of Object.entries(scenarios)) {
    await t.test(name, { timeout: 20000 }, () => run({ Socket }, env));
  }
});
