// The per-client cap (issue 18, 5): --max-per-client counts a client's connections and its Wisp
// streams alike (one WebSocket took all 512 slots before), and an IPv6 client is its /64 (or
// --client-prefix-v6 bits): the keying is checked directly, since a test only has ::1.

import test from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from '../../js/proxy/args.js';
import { clientKey } from '../../js/proxy/limits.js';
import { startProxy } from '../../js/proxy/server.js';
import { T, echoServer, mustOpen, openWs, proxy, tcpUrl, waitUntil } from './helpers.js';
import { CLOSE, TYPE, wispSession } from './wisp-client.js';

test('clientKey: an IPv4 client is its address, an IPv6 one its /64 by default (or the prefix given)', () => {
  assert.equal(clientKey('127.0.0.1'), '127.0.0.1');
  assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7', 'IPv4-mapped is the IPv4 client');
  assert.equal(clientKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:2:ffff::9'), 'one /64, one client');
  assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'), 'another /64, another client');
  assert.equal(clientKey('2001:db8:1:2::1', 48), clientKey('2001:db8:1:3::1', 48), 'one /48');
  assert.equal(clientKey('2001:db8:1:2::1', 128), '2001:db8:1:2:0:0:0:1/128');
  assert.equal(clientKey('2001:db8:1:2:aaaa::1', 60), '2001:db8:1::/60');
  assert.equal(clientKey('fe80::1%eth0'), 'fe80::/64', 'the zone is dropped');
  assert.equal(clientKey('::1'), '::/64');
});

test('--client-prefix-v6 and clientPrefixV6 take 1-128', async () => {
  assert.equal(parseCli(['--client-prefix-v6', '48']).clientPrefixV6, 48);
  assert.throws(() => parseCli(['--client-prefix-v6', '129']), /--client-prefix-v6 129/);
  assert.throws(() => parseCli(['--client-prefix-v6', '0']), /--client-prefix-v6 0/);
  await assert.rejects(startProxy({ clientPrefixV6: 200 }), /clientPrefixV6 200/);
});

test('Wisp streams count in --max-per-client: one WebSocket cannot take more than the cap, and other clients still get in', T, async (t) => {
  const echo = await echoServer(t);
  const MAX = 4;
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], maxPerClient: MAX });
  const w = await wispSession(t, p); // its connection is one of the client's MAX
  for (let id = 1; id < MAX; id++) {
    w.connect(id, '127.0.0.1', echo.port);
    await w.opened(id);
  }
  w.connect(MAX, '127.0.0.1', echo.port);
  assert.equal(await w.closeOf(MAX), CLOSE.THROTTLED, 'the stream past the cap is throttled');
  assert.ok(p.lines.some((l) => /too many connections from 127\.0\.0\.1 \(max 4\)/.test(l)), p.lines.join('\n'));
  assert.equal(p.stats.active, MAX - 1);
  // The same client's next WebSocket is turned away too; another client's is not.
  assert.equal((await openWs(t, tcpUrl(p, '127.0.0.1', echo.port))).refused?.status, 503);
  await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port), { localAddress: '127.0.0.2' });
  // A stream's end gives its place back.
  assert.equal(p.stats.active, MAX, 'three streams and the other client\'s tunnel');
  w.close(1);
  await waitUntil(() => p.stats.active === MAX - 1, 'stream 1 to end');
  const before = w.of(MAX).length;
  w.connect(MAX, '127.0.0.1', echo.port);
  await w.opened(MAX, before);
  assert.ok(w.of(MAX).slice(before).every((x) => x.type !== TYPE.CLOSE));
});
