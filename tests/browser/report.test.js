// Why a connect failed, in a browser tab (issue 13): the browser host asks kvsocket-proxy to
// report the dial's outcome (report=1), so a refused, unknown or timed-out target gives the page
// the same connectFailedEvent reason and error code as Node (ErrorCode::from_host), and a target
// the proxy's rules deny is ProxyDenied with the proxy's reason. The proxy resolves names with a resolver of
// the test's own; every connection goes to 127.0.0.1.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'kvsocket';
import { startProxy } from '../../js/proxy/server.js';
import { closedPort } from './targets.js';
import { packagePage } from './harness.js';

/** What a script sees when connect fails: [connectFailedEvent reason, errorEvent code]. */
async function failure(Sock, proxy, host, port, connectTimeout = 5000) {
  const s = new Sock({ proxy, connectTimeout });
  const seen = new Promise((resolve) => {
    let reason;
    s.addEventListener('connectFailed', (e) => (reason = e.detail.reason));
    s.addEventListener('error', (e) => resolve([reason, e.detail.code]));
  });
  s.connect(host, port);
  const out = await seen;
  s.destroy();
  return out;
}

test('connect failures in Chromium carry the reason Node gives', { timeout: 60_000 }, async (t) => {
  const closed = await closedPort();
  const lookup = (name) => (name === 'hangs.test' ? new Promise(() => {})
    : name === 'localhost' ? Promise.resolve([{ address: '127.0.0.1', family: 4 }])
      : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' })));
  const proxy = await startProxy({ allow: [`127.0.0.1:${closed}`, `localhost:${closed}`, '*:80'], lookup, connectTimeout: 300, log: () => {} });
  const { page } = await packagePage(t);
  t.after(() => proxy.close());
  const template = `${proxy.url}?host={host}&port={port}`;
  const cases = [['127.0.0.1', closed], ['localhost', closed], ['nowhere.test', 80], ['hangs.test', 80], ['127.0.0.1', 9]];
  const inBrowser = await page.evaluate(async ({ template, cases, src }) => {
    const { Socket } = await import('/js/browser/index.js');
    const failure = new Function(`return (${src})`)();
    const out = [];
    for (const [host, port] of cases) out.push(await failure(Socket, template, host, port));
    return out;
  }, { template, cases, src: failure.toString() });
  assert.deepEqual(inBrowser, [
    ['Connection refused', 'ConnectionRefused'],
    ['Connection refused', 'ConnectionRefused'], // a name, resolved by the proxy
    ['Host not found', 'HostNotFound'],
    ['Connection timed out', 'SocketTimeout'],
    // No rule allows port 9: the proxy's own refusal, with its words naming the missing rule.
    ['Proxy denied the connection by its rules: target denied: 127.0.0.1:9 (loopback address): no --allow rule matches it (start the proxy with --allow 127.0.0.1:9)', 'ProxyDenied'],
  ]);
  // Node, for the same refused target, says the same.
  assert.deepEqual(await failure(Socket, undefined, '127.0.0.1', closed), inBrowser[0]);
});
