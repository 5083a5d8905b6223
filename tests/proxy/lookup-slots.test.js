// A connection slot covers its target's name lookup until the lookup settles (issue 18, 4): a
// lookup cannot be cancelled, so a client that closes a stream or its WebSocket mid-lookup and
// asks again must not get more lookups running than --max-connections. A resolver the test
// controls answers after a delay, and counts the lookups in flight.

import test from 'node:test';
import assert from 'node:assert/strict';
import { T, WebSocket, proxy, sleep, slowResolver, tcpUrl, waitUntil } from './helpers.js';
import { CLOSE, wispSession } from './wisp-client.js';

const MAX = 4;

test('Wisp: a stream CLOSEd mid-lookup keeps its slot until the lookup answers, so lookups in flight never exceed --max-connections', T, async (t) => {
  const dns = slowResolver(1500);
  const p = await proxy(t, { allow: ['name.test:7'], allowLoopback: true, maxConnections: MAX, lookup: dns.lookup });
  const w = await wispSession(t, p);
  for (let id = 1; id <= 40; id++) {
    w.connect(id, 'name.test', 7);
    w.close(id, CLOSE.VOLUNTARY);
  }
  await waitUntil(() => w.of(40).length > 0 || dns.asked >= MAX, 'the CONNECTs to be read');
  await sleep(100);
  assert.equal(dns.asked, MAX, `only ${MAX} lookups start; the other CONNECTs are throttled`);
  assert.ok(w.packets.some((x) => x.type === 0x04 && x.reason === CLOSE.THROTTLED), 'CONNECTs past the cap get 0x49');
  assert.equal(p.stats.active, MAX, 'the closed streams hold their slots while their lookups run');
  await waitUntil(() => dns.inFlight === 0, 'the lookups to answer');
  await waitUntil(() => p.stats.active === 0, 'the slots to come back once the lookups answered');
  assert.equal(dns.most, MAX);
});

test('per-socket: a client gone mid-lookup keeps its slot until the lookup answers', T, async (t) => {
  const dns = slowResolver(1500);
  const p = await proxy(t, { allow: ['name.test:7'], allowLoopback: true, maxConnections: MAX, lookup: dns.lookup });
  const statuses = [];
  for (let i = 0; i < 2 * MAX; i++) {
    const ws = new WebSocket(tcpUrl(p, 'name.test', 7), ['binary']);
    ws.on('error', () => {});
    const asked = dns.asked;
    const answered = new Promise((resolve) => ws.once('unexpected-response', (req, res) => resolve(res.statusCode)));
    const outcome = await Promise.race([answered, waitUntil(() => dns.asked > asked, 'a lookup').then(() => 'looking up')]);
    statuses.push(outcome);
    ws.terminate();
    await sleep(20); // the proxy sees the client go
  }
  assert.deepEqual(statuses, [...Array(MAX).fill('looking up'), ...Array(MAX).fill(503)]);
  assert.equal(dns.most, MAX);
  await waitUntil(() => dns.inFlight === 0 && p.stats.active === 0, 'the lookups to answer and the slots to come back');
  // Then the cap has room again.
  const again = new WebSocket(tcpUrl(p, 'name.test', 7), ['binary']);
  again.on('error', () => {});
  t.after(() => again.terminate());
  await waitUntil(() => dns.asked === MAX + 1, 'a new lookup once the slots are back');
});

test('per-socket: a client gone mid-lookup also keeps its place under --max-per-client until the lookup answers', T, async (t) => {
  const dns = slowResolver(1500);
  const p = await proxy(t, { allow: ['name.test:7'], allowLoopback: true, maxConnections: 16, maxPerClient: 2, lookup: dns.lookup });
  const outcomes = [];
  for (const localAddress of ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.2']) {
    const ws = new WebSocket(tcpUrl(p, 'name.test', 7), ['binary'], { localAddress });
    ws.on('error', () => {});
    const asked = dns.asked;
    const answered = new Promise((resolve) => ws.once('unexpected-response', (req, res) => resolve(res.statusCode)));
    outcomes.push(await Promise.race([answered, waitUntil(() => dns.asked > asked, 'a lookup').then(() => 'looking up')]));
    ws.terminate();
    await sleep(20);
  }
  assert.deepEqual(outcomes, ['looking up', 'looking up', 503, 'looking up'], 'the third from 127.0.0.1 is over its cap; 127.0.0.2 is another client');
  await waitUntil(() => dns.inFlight === 0 && p.stats.active === 0, 'the lookups to answer and the slots to come back');
});
