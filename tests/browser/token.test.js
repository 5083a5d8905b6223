// A proxy that requires a token (--token-file), used from a browser tab: the page puts the token
// in its proxy URL template, and the browser host carries it on every session it opens (the
// tunnel, and the listener, whose URL is derived from the template). Without it, the proxy
// refuses before open.
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy } from '../../js/proxy/server.js';
import { packagePage } from './harness.js';

const TOKEN = 'page-token_0123456789abcdef';

test('the page passes its token in the proxy URL template, to tunnels and listeners', { timeout: 60_000 }, async (t) => {
  const echo = net.createServer((c) => c.pipe(c));
  await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const proxy = await startProxy({ allow: [`127.0.0.1:${echo.address().port}`], allowListen: ['127.0.0.1:0'], tokens: [TOKEN], log: () => {} });
  const { page } = await packagePage(t);
  t.after(async () => {
    await proxy.close();
    echo.close();
  });
  const run = (template) => page.evaluate(async ({ template, port }) => {
    const { Socket } = await import('/js/browser/index.js');
    const first = (s, types) => new Promise((resolve) => {
      for (const type of types) s.addEventListener(type, (e) => resolve(`${type}${e.detail?.code ? ` ${e.detail.code}` : ''}`), { once: true });
    });
    const s = new Socket({ proxy: template });
    s.connect('127.0.0.1', port);
    const connect = await first(s, ['connected', 'error']);
    let echoed = null;
    if (connect === 'connected') {
      s.write('ping');
      await first(s, ['dataAvailable']);
      echoed = s.read();
    }
    s.destroy();
    const l = new Socket({ proxy: template });
    l.listen(0, '127.0.0.1');
    const listen = await first(l, ['listening', 'error']);
    l.destroy();
    return { connect, echoed, listen };
  }, { template, port: echo.address().port });

  const base = `${proxy.url}?host={host}&port={port}`;
  assert.deepEqual(await run(`${base}&token=${TOKEN}`), { connect: 'connected', echoed: 'ping', listen: 'listening' });
  assert.deepEqual(await run(base), { connect: 'error ProxyConnectionRefused', echoed: null, listen: 'error ProxyConnectionRefused' });
});
