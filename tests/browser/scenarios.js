// Runs a shared scenario module (tests/direct/scenarios.js, tests/promises/scenarios.js) in
// Chromium: the browser entry with Socket.defaultProxy set to a kvsocket-proxy that allows
// 127.0.0.1 (tunnels, reverse tunnels, datagrams), against the Node peers of
// tests/direct/peers.js; one subtest per scenario, as the Node runners do.
import { startProxy } from '../../js/proxy/server.js';
import { packagePage } from './harness.js';
import { startPeers } from '../direct/peers.js';

/** `module` is the scenario file's URL path, e.g. '/tests/direct/scenarios.js'. */
export async function runInChromium(t, module, scenarios) {
  const peers = await startPeers();
  const proxy = await startProxy({ allow: ['127.0.0.1:*'], allowListen: ['127.0.0.1:0', '127.0.0.1:*'], log: () => {} });
  const { page } = await packagePage(t, { extra: ['/tests/direct/', '/tests/promises/', '/tests/options/'] });
  t.after(async () => {
    await proxy.close();
    peers.close();
  });
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.evaluate(async ({ proxyUrl, module }) => {
    const api = await import('/js/browser/index.js');
    api.Socket.defaultProxy = proxyUrl;
    window.api = api;
    window.scenarios = (await import(module)).scenarios;
  }, { proxyUrl: `${proxy.url}?host={host}&port={port}`, module });
  const env = { ports: peers.ports, browser: true };
  for (const name of Object.keys(scenarios)) {
    await t.test(name, { timeout: 20000 }, () => page.evaluate(
      ({ name, env }) => window.scenarios[name](window.api, env),
      { name, env },
    ));
  }
}
