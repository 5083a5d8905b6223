// Socket options (end(), the idle timeout, no-delay, keep-alive) on Node: the scenarios of
// tests/options/scenarios.js (tests/browser/options.test.js runs the same ones in Chromium)
// against real net/dgram peers on 127.0.0.1. (That no-delay and keep-alive reach the kernel is
// not observable from here; tests/engine_options.rs checks the Configure actions.)
import test from 'node:test';
import { Socket } from 'kvsocket';
import { scenarios } from '../options/scenarios.js';
import { startPeers } from '../direct/peers.js';

test('Socket options on Node', { timeout: 60000 }, async (t) => {
  const peers = await startPeers();
  t.after(() => peers.close());
  const env = { ports: peers.ports, browser: false };
  for (const [name, run] of Object.entries(scenarios)) {
    await t.test(name, { timeout: 20000 }, () => run({ Socket }, env));
  }
});
