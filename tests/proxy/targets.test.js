// The policy inside the running proxy: with a wildcard rule no spelling of loopback reaches a
// real server on 127.0.0.1 (or ::1), names are resolved by the proxy (a resolver of the test's
// own) and dialled at the checked address, and UDP and listeners follow the same classes. Every
// address dialled or bound here is a loopback one; refusals of other classes are in
// policy.test.js, where no socket is opened.

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  T, WebSocket, collect, mustOpen, nextJson, openWs, proxy, sleep, tcpServer, tcpUrl, udpPeer, waitUntil,
} from './helpers.js';

const SPELLINGS = [
  '127.0.0.1', '0x7f000001', '2130706433', '127.1', '0177.0.0.1', '127.0.0.1.', '0', '0.0.0.0',
  '::', '[::]', 'localhost', 'localhost.', 'LOCALHOST', '::ffff:127.0.0.1', '[::ffff:7f00:1]', '::1', '[::1]',
];

test("with only '*:*', no spelling of loopback opens a tunnel, and nothing connects", T, async (t) => {
  const server = await tcpServer(t, (sock) => sock.end('reached'), { listenOn: '::' }); // 127.0.0.1 and ::1 alike
  const p = await proxy(t, { allow: ['*:*'] });
  for (const host of SPELLINGS) {
    const r = await openWs(t, tcpUrl(p, host, server.port));
    assert.equal(r.ws, undefined, `${host} opened a tunnel`);
    assert.equal(r.refused.status, 403, host);
    assert.match(r.refused.body, /target denied/, host);
  }
  assert.equal(server.accepts, 0);
  // With the class opened the same spellings do reach it (0.0.0.0 and :: stay refused).
  const open = await proxy(t, { allow: ['*:*'], allowLoopback: true });
  for (const host of ['0x7f000001', '127.1', 'localhost', '::ffff:127.0.0.1', '[::1]']) {
    const { data } = await collect(await mustOpen(t, tcpUrl(open, host, server.port)));
    assert.equal(data.toString(), 'reached', host);
  }
  assert.equal((await openWs(t, tcpUrl(open, '0.0.0.0', server.port))).refused?.status, 403);
});

test('a name is resolved by the proxy once and dialled at the address it checked', T, async (t) => {
  const server = await tcpServer(t, (sock) => sock.end('hello'));
  const calls = [];
  // 0.0.0.0 would reach this machine too if dialled: it must be dropped by the check.
  const lookup = async (name) => {
    calls.push(name);
    return name === 'target.test' ? [{ address: '0.0.0.0', family: 4 }, { address: '127.0.0.1', family: 4 }] : [];
  };
  const p = await proxy(t, { allow: [`target.test:${server.port}`, `127.0.0.1:${server.port}`], lookup });
  const ws = await mustOpen(t, tcpUrl(p, 'Target.Test.', server.port));
  assert.equal((await collect(ws)).data.toString(), 'hello');
  assert.deepEqual(calls, ['target.test'], 'one lookup, by the proxy (the system knows no target.test)');
  assert.equal(server.accepts, 1);

  // The name rule alone does not reach what the name resolves to.
  const strict = await proxy(t, { allow: [`target.test:${server.port}`], lookup });
  const r = await openWs(t, tcpUrl(strict, 'target.test', server.port));
  assert.equal(r.refused?.status, 403);
  assert.match(r.refused.body, /target\.test:\d+ resolves to 0\.0\.0\.0 \(unspecified\), 127\.0\.0\.1 \(loopback\)/);
  assert.equal(server.accepts, 1);
});

test('a lookup the resolver fails or never answers is refused with its code, 502 or 504', T, async (t) => {
  const failing = await proxy(t, { allow: ['*:*'], lookup: async () => { throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' }); } });
  const r = await openWs(t, tcpUrl(failing, 'nowhere.test', 80));
  assert.deepEqual([r.refused?.status, r.refused?.reason], [502, 'ENOTFOUND']);
  const hanging = await proxy(t, { allow: ['*:*'], lookup: () => new Promise(() => {}), connectTimeout: 200 });
  const late = await openWs(t, tcpUrl(hanging, 'slow.test', 80));
  assert.deepEqual([late.refused?.status, late.refused?.reason], [504, 'ETIMEDOUT']);
});

test('UDP: connect mode and `to` destinations follow the same checks', T, async (t) => {
  const peer = await udpPeer(t, { echo: true });
  const p = await proxy(t, { allow: ['*:*'], allowListen: ['127.0.0.1:0'] });
  for (const host of ['127.1', '0x7f000001', 'localhost']) {
    const r = await openWs(t, `${p.url}?udp=1&host=${host}&port=${peer.port}`);
    assert.equal(r.refused?.status, 403, host);
  }
  const ws = await mustOpen(t, `${p.url}?udp=1&listen=0&iface=127.0.0.1`);
  assert.equal((await nextJson(ws)).type, 'listening');
  ws.send(JSON.stringify({ type: 'to', host: '2130706433', port: peer.port }));
  const err = await nextJson(ws);
  assert.equal(err.code, 'TargetDenied');
  assert.match(err.message, /loopback/);
  ws.send(Buffer.from('lost'));
  assert.equal((await nextJson(ws)).code, 'NoDestination');
  assert.equal(peer.received.length, 0);

  // A name in `to` is resolved by the proxy; the datagrams after it wait for the answer, in order.
  const lookup = async (name) => (name === 'peer.test' ? [{ address: '127.0.0.1', family: 4 }] : []);
  const q = await proxy(t, { allow: [`peer.test:${peer.port}`, `127.0.0.1:${peer.port}`], allowListen: ['127.0.0.1:0'], lookup });
  const ws2 = await mustOpen(t, `${q.url}?udp=1&listen=0&iface=127.0.0.1`);
  assert.equal((await nextJson(ws2)).type, 'listening');
  ws2.send(JSON.stringify({ type: 'to', host: 'peer.test', port: peer.port }));
  for (const text of ['one', 'two', 'three']) ws2.send(Buffer.from(text));
  await waitUntil(() => peer.received.length === 3, 'three datagrams');
  assert.deepEqual(peer.received.map((r) => r.msg.toString()), ['one', 'two', 'three']);
});

test('listeners: a wildcard rule binds no loopback or unspecified interface unless opened', T, async (t) => {
  const p = await proxy(t, { allowListen: ['*:*'] });
  for (const iface of ['127.0.0.1', '0.0.0.0', '::1', '::ffff:127.0.0.1', '']) {
    const r = await openWs(t, `${p.url}?listen=0&iface=${encodeURIComponent(iface)}`);
    assert.equal(r.refused?.status, 403, iface);
    assert.match(r.refused.body, /listen denied/);
    const u = await openWs(t, `${p.url}?udp=1&listen=0&iface=${encodeURIComponent(iface)}`);
    assert.equal(u.refused?.status, 403, `udp ${iface}`);
  }
  const open = await proxy(t, { allowListen: ['*:*'], allowLoopback: true });
  const ws = await mustOpen(t, `${open.url}?listen=0&iface=127.0.0.1`);
  assert.equal((await nextJson(ws)).type, 'listening');
});

test('a client gone while its target is being looked up gets nothing dialled, with or without report=1', T, async (t) => {
  const server = await tcpServer(t);
  const answers = [];
  const lookup = () => new Promise((resolve) => answers.push(() => resolve([{ address: '127.0.0.1', family: 4 }])));
  const p = await proxy(t, { allow: [`slow.test:${server.port}`], allowLoopback: true, lookup });
  // Without report=1 the upgrade waits for the connection: the client leaves mid-handshake.
  const waiting = new WebSocket(tcpUrl(p, 'slow.test', server.port), ['binary']);
  waiting.on('error', () => {});
  await waitUntil(() => answers.length === 1, 'the first lookup');
  waiting.terminate();
  await waitUntil(() => p.stats.clients === 0, 'the first client to be gone');
  // With report=1 the WebSocket is open during the lookup: the client closes it.
  const reported = await mustOpen(t, `${tcpUrl(p, 'slow.test', server.port)}&report=1`);
  await waitUntil(() => answers.length === 2, 'the second lookup');
  reported.terminate();
  await waitUntil(() => p.stats.clients === 0, 'the second client to be gone');
  assert.equal(p.stats.active, 2, 'each slot is held until its lookup answers (issue 18, 4)');
  for (const answer of answers) answer();
  await waitUntil(() => p.stats.active === 0, 'the slots to come back once the lookups answered');
  await sleep(200);
  assert.equal(server.accepts, 0, 'a target was dialled for a client that had gone');
});
