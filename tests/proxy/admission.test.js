// Who may open a session: pages from loopback origins (and clients without Origin) by default,
// others only when --origin names them; and with tokens, only clients that show one.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isLoopbackOrigin } from '../../js/proxy/origin.js';
import { readTokenFile, tokenCheck } from '../../js/proxy/token.js';
import { T, echoServer, mustOpen, openWs, proxy, tcpUrl } from './helpers.js';

test('without --origin: loopback pages and clients without Origin get in, other pages do not', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`] });
  const url = tcpUrl(p, '127.0.0.1', echo.port);
  for (const origin of ['http://evil.example', 'https://evil.example', 'null', 'http://127.0.0.1.evil.example',
    'http://localhost.evil.example', 'http://10.0.0.1:8000', 'file://', 'chrome-extension://abc']) {
    const r = await openWs(t, url, { origin });
    assert.equal(r.refused?.status, 403, origin);
    assert.match(r.refused.body, /origin denied/);
  }
  for (const origin of ['http://127.0.0.1:8000', 'http://localhost:8000', 'https://localhost', 'http://[::1]:3000',
    'http://127.8.9.10', 'http://app.localhost:5173']) {
    await mustOpen(t, url, { origin });
  }
  await mustOpen(t, url); // no Origin: not a web page
  assert.equal(echo.accepts, 7, 'refused pages never reached the target');
});

test('isLoopbackOrigin reads the origin as a URL', () => {
  assert.equal(isLoopbackOrigin('http://0x7f000001'), true, 'the URL parser canonicalizes the host');
  assert.equal(isLoopbackOrigin('http://[::ffff:127.0.0.1]'), true);
  assert.equal(isLoopbackOrigin('ws://127.0.0.1'), false, 'an Origin is a page (http or https)');
  assert.equal(isLoopbackOrigin('not a url'), false);
});

test("--origin: exact origins only, then no Origin is refused too; '*' takes any", T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], origins: ['https://app.example'] });
  const url = tcpUrl(p, '127.0.0.1', echo.port);
  await mustOpen(t, url, { origin: 'https://app.example' });
  assert.equal((await openWs(t, url, { origin: 'http://127.0.0.1:8000' })).refused?.status, 403, 'the default is replaced');
  assert.equal((await openWs(t, url)).refused?.status, 403);
  const any = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], origins: ['*'] });
  await mustOpen(t, tcpUrl(any, '127.0.0.1', echo.port), { origin: 'http://evil.example' });
});

const TOKEN = 'k3y-for-the-tests_0123456789';

test('tokens: a session opens only with a known token, in the URL or as a subprotocol; the log hides it', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], tokens: ['another-token-0000000000', TOKEN] });
  const url = tcpUrl(p, '127.0.0.1', echo.port);
  for (const [what, u, protocols] of [
    ['none', url, ['binary']],
    ['wrong', `${url}&token=${TOKEN.slice(0, -1)}x`, ['binary']],
    ['longer', `${url}&token=${TOKEN}x`, ['binary']],
    ['wrong subprotocol', url, ['binary', 'kvsocket-token.nope-nope-nope-nope']],
  ]) {
    const r = await openWs(t, u, { protocols });
    assert.equal(r.refused?.status, 401, what);
    assert.match(r.refused.body, /token is required/);
  }
  const ws = await mustOpen(t, `${url}&token=${TOKEN}`);
  assert.equal(ws.protocol, 'binary');
  const viaProtocol = await mustOpen(t, url, { protocols: ['binary', `kvsocket-token.${TOKEN}`] });
  assert.equal(viaProtocol.protocol, 'binary', 'the token is shown, binary is spoken');
  assert.equal(echo.accepts, 2);
  assert.ok(p.lines.some((l) => /token=…/.test(l)), p.lines.join('\n'));
  assert.ok(!p.lines.some((l) => l.includes(TOKEN.slice(0, -1))), 'no token in the log');
  // The Origin check still applies to a client that has the token.
  assert.equal((await openWs(t, `${url}&token=${TOKEN}`, { origin: 'http://evil.example' })).refused?.status, 403);
});

test('token files and the token check', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kvsocket-proxy-'));
  const file = path.join(dir, 'tokens');
  await writeFile(file, `# tokens for the proxy\n\n${TOKEN}\r\n  second-token-aaaaaaaaaa  \n`);
  assert.deepEqual(readTokenFile(file), [TOKEN, 'second-token-aaaaaaaaaa']);
  await writeFile(file, '# nothing\n');
  assert.throws(() => readTokenFile(file), /no token/);
  await writeFile(file, 'short\n');
  assert.throws(() => readTokenFile(file), /16-256 characters/);
  const check = tokenCheck([TOKEN]);
  assert.equal(check.allows(TOKEN), true);
  assert.equal(check.allows(null), false);
  assert.equal(check.allows(''), false);
  assert.equal(tokenCheck([]).required, false);
  t.after(() => import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true })));
});
