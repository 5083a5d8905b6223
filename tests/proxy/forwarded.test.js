// The real client behind a load balancer (issue 22): X-Forwarded-For and Forwarded are read
// only from addresses given with --trust-proxy, and then --max-per-client and the logs use the
// client they name; from anyone else the headers are ignored.

import test from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from '../../js/proxy/args.js';
import { realClient, trustCheck } from '../../js/proxy/forwarded.js';
import { T, echoServer, openWs, proxy, tcpUrl, waitUntil } from './helpers.js';

test('realClient: headers only from trusted peers, read from the right, trusted hops skipped', () => {
  const trusted = trustCheck(['127.0.0.1', '10.0.0.0/8', '[fd00::]/8']);
  const xff = (v) => ({ 'x-forwarded-for': v });
  assert.equal(realClient(xff('203.0.113.5'), '192.0.2.1', trusted), '192.0.2.1', 'an untrusted peer: its header is ignored');
  assert.equal(realClient(xff('203.0.113.5'), '127.0.0.1', trusted), '203.0.113.5');
  assert.equal(realClient(xff('203.0.113.5'), '::ffff:127.0.0.1', trusted), '203.0.113.5', 'a mapped IPv4 peer');
  // A client may write its own X-Forwarded-For: only the hops our proxies added count.
  assert.equal(realClient(xff('1.2.3.4, 203.0.113.5, 10.1.2.3'), '127.0.0.1', trusted), '203.0.113.5');
  assert.equal(realClient(xff('10.1.2.3, 10.4.5.6'), '127.0.0.1', trusted), '10.1.2.3', 'every hop trusted: the first');
  assert.equal(realClient(xff('nonsense, 10.1.2.3'), '127.0.0.1', trusted), '10.1.2.3', 'an unreadable hop stops the walk');
  assert.equal(realClient(xff('203.0.113.5:4711'), '127.0.0.1', trusted), '203.0.113.5');
  assert.equal(realClient({}, '127.0.0.1', trusted), '127.0.0.1', 'no header: the peer');
  // Forwarded (RFC 7239) wins over X-Forwarded-For.
  const fwd = { forwarded: 'for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"', 'x-forwarded-for': '198.51.100.1' };
  assert.equal(realClient(fwd, '127.0.0.1', trusted), '2001:db8:cafe::17');
  assert.equal(realClient({ forwarded: 'for=unknown' }, '127.0.0.1', trusted), '127.0.0.1');
  assert.equal(realClient({ forwarded: 'for="_hidden", for="[fd00::1]"' }, 'fd12::9', trusted), 'fd00::1', 'an obfuscated hop: the last readable one');
  assert.equal(trustCheck([])('127.0.0.1'), false, 'nobody trusted by default');
  assert.throws(() => trustCheck(['example.com']), /--trust-proxy example\.com: expected an IP address or a CIDR block/);
  assert.throws(() => trustCheck(['10.0.0.0/33']), /--trust-proxy 10\.0\.0\.0\/33/);
  assert.deepEqual(parseCli(['--trust-proxy', '127.0.0.1', '--trust-proxy', '10.0.0.0/8']).trustProxy, ['127.0.0.1', '10.0.0.0/8']);
  assert.throws(() => parseCli(['--trust-proxy', 'lb.example']), /--trust-proxy lb\.example/);
});

const withXff = (client) => ({ headers: { 'X-Forwarded-For': client } });

test('behind a trusted proxy --max-per-client counts the client its header names, and the log names it', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], trustProxy: ['127.0.0.1'], maxPerClient: 2 });
  const url = tcpUrl(p, '127.0.0.1', echo.port);
  assert.ok((await openWs(t, url, withXff('203.0.113.5'))).ws);
  assert.ok((await openWs(t, url, withXff('203.0.113.5'))).ws);
  const third = await openWs(t, url, withXff('203.0.113.5'));
  assert.equal(third.refused?.status, 503);
  assert.match(third.refused.body, /too many connections from 203\.0\.113\.5 \(max 2\)/);
  // Others behind the same load balancer are not held back by that client.
  assert.ok((await openWs(t, url, withXff('203.0.113.6'))).ws);
  assert.ok((await openWs(t, url, withXff('203.0.113.7'))).ws);
  const denied = await openWs(t, tcpUrl(p, '127.0.0.1', 1), withXff('198.51.100.9'));
  assert.equal(denied.refused.status, 403);
  await waitUntil(() => p.lines.some((l) => /^refused 198\.51\.100\.9 /.test(l)), 'the refusal logged with the real client');
});

test('without --trust-proxy the headers are ignored: the peer is the client', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], maxPerClient: 2 });
  const url = tcpUrl(p, '127.0.0.1', echo.port);
  assert.ok((await openWs(t, url, withXff('203.0.113.5'))).ws);
  assert.ok((await openWs(t, url, withXff('203.0.113.6'))).ws);
  const third = await openWs(t, url, withXff('203.0.113.7'));
  assert.equal(third.refused?.status, 503);
  assert.match(third.refused.body, /too many connections from 127\.0\.0\.1/);
});

test('a trusted peer lying about the client cannot get past --max-connections', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], trustProxy: ['127.0.0.0/8'], maxConnections: 2, maxPerClient: 10 });
  const url = tcpUrl(p, '127.0.0.1', echo.port);
  assert.ok((await openWs(t, url, withXff('203.0.113.1'))).ws);
  assert.ok((await openWs(t, url, withXff('203.0.113.2'))).ws);
  assert.equal((await openWs(t, url, withXff('203.0.113.3'))).refused?.status, 503);
});
