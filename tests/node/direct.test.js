// The Direct Sockets API on Node: the scenarios of tests/direct/scenarios.js (the same ones
// tests/browser/direct.test.js runs in Chromium) against real net/dgram peers on 127.0.0.1.
import test from 'node:test';
import { TCPSocket, UDPSocket, TCPServerSocket } from 'kvsocket';
import { scenarios } from '../direct/scenarios.js';
import { startPeers } from '../direct/peers.js';

test('Direct Sockets on Node', { timeout: 60000 }, async (t) => {
  const peers = await startPeers();
  t.after(() => peers.close());
  const env = { ports: peers.ports, browser: false };
  for (const [name, run] of Object.entries(scenarios)) {
    await t.test(name, { timeout: 20000 }, () => run({ TCPSocket, UDPSocket, TCPServerSocket }, env));
  }
});
