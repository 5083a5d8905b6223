// `report=1` (docs/proxy-protocol.md): the WebSocket opens first and the dial's outcome comes as
// a control message, because a page cannot read the HTTP status of a refused upgrade. Without
// it nothing changes (tcp.test.js).

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  T, closed, closedPort, collect, mustOpen, nextJson, nextMessage, openWs, proxy, tcpServer, tcpUrl,
} from './helpers.js';

const reportUrl = (p, host, port) => `${tcpUrl(p, host, port)}&report=1`;

/** Opens with report=1 and returns the first control message and the close. */
async function outcome(t, p, host, port) {
  const ws = await mustOpen(t, reportUrl(p, host, port));
  const message = await nextJson(ws, 'the outcome');
  return { ws, message };
}

test('report=1: connected, with the addresses the proxy used, then the tunnel as usual', T, async (t) => {
  const target = await tcpServer(t, (sock) => {
    sock.once('data', (d) => sock.end(`got ${d}`));
  });
  const lookup = async () => [{ address: '127.0.0.1', family: 4 }];
  const p = await proxy(t, { allow: [`target.test:${target.port}`, `127.0.0.1:${target.port}`], lookup });
  const ws = await mustOpen(t, reportUrl(p, 'target.test', target.port));
  ws.send(Buffer.from('early')); // before `connected`: waits, is not lost
  const m = await nextJson(ws);
  assert.equal(m.type, 'connected');
  assert.equal(m.remoteIp, '127.0.0.1');
  assert.equal(m.remotePort, target.port);
  assert.equal(m.localIp, '127.0.0.1');
  assert.ok(m.localPort > 0);
  const { data, code } = await collect(ws);
  assert.equal(data.toString(), 'got early');
  assert.equal(code, 1000);
});

test('report=1: a refused, denied, unknown or timed-out target is an error message with its code, then close 1011', T, async (t) => {
  const port = await closedPort();
  const lookup = (name) => (name === 'hangs.test' ? new Promise(() => {})
    : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' })));
  const p = await proxy(t, { allow: ['127.0.0.1:*', '*:80'], lookup, connectTimeout: 300 });
  const cases = [
    ['127.0.0.1', port, 'ECONNREFUSED', /connect to 127\.0\.0\.1:\d+ failed/],
    ['127.1', port, 'ECONNREFUSED', /failed/],
    ['0.0.0.0', port, 'TargetDenied', /target denied: 0\.0\.0\.0:\d+ \(unspecified address\)/],
    ['10.0.0.1', 80, 'TargetDenied', /private address/],
    ['nowhere.test', 80, 'ENOTFOUND', /looking up nowhere\.test failed/],
    ['hangs.test', 80, 'ETIMEDOUT', /no answer in time/],
  ];
  for (const [host, to, code, text] of cases) {
    const { ws, message } = await outcome(t, p, host, to);
    assert.equal(message.type, 'error', host);
    assert.equal(message.code, code, host);
    assert.match(message.message, text, host);
    assert.deepEqual(Object.values(await closed(ws)), [1011, code], host);
  }
  assert.equal(p.stats.refused, cases.length);
  assert.ok(p.lines.some((l) => /\(reported\): ECONNREFUSED/.test(l)));
});

test('report=1 does not move what is about the client: bad requests, Origin and caps stay HTTP refusals', T, async (t) => {
  const target = await tcpServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`], maxConnections: 1 });
  assert.equal((await openWs(t, `${p.url}?host=127.0.0.1&report=1`)).refused?.status, 400);
  assert.equal((await openWs(t, reportUrl(p, '127.0.0.1', target.port), { origin: 'http://evil.example' })).refused?.status, 403);
  const { message } = await outcome(t, p, '127.0.0.1', target.port);
  assert.equal(message.type, 'connected');
  assert.equal((await openWs(t, reportUrl(p, '127.0.0.1', target.port))).refused?.status, 503);
});

test('report=1 with end=1: the end exchange after connected', T, async (t) => {
  const target = await tcpServer(t, (sock) => sock.end('bye'), { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, `${reportUrl(p, '127.0.0.1', target.port)}&end=1`);
  assert.equal((await nextJson(ws)).type, 'connected');
  assert.equal((await nextMessage(ws)).data.toString(), 'bye');
  assert.equal((await nextJson(ws)).type, 'end');
  ws.send(JSON.stringify({ type: 'end' }));
  assert.equal((await closed(ws)).code, 1000);
});

test('report=1: megabytes sent before connected all reach the target, in order', T, async (t) => {
  const { createHash, randomBytes } = await import('node:crypto');
  const data = randomBytes(4 << 20);
  let digest;
  const got = new Promise((resolve) => (digest = resolve));
  const target = await tcpServer(t, (sock) => {
    const hash = createHash('sha256');
    let n = 0;
    sock.on('data', (d) => {
      hash.update(d);
      n += d.length;
      if (n >= data.length) digest(hash.digest('hex'));
    });
  });
  // The lookup takes a while, so the client's bytes arrive before the connect.
  const lookup = () => new Promise((resolve) => setTimeout(() => resolve([{ address: '127.0.0.1', family: 4 }]), 300));
  const p = await proxy(t, { allow: [`slow.test:${target.port}`, `127.0.0.1:${target.port}`], lookup });
  const ws = await mustOpen(t, reportUrl(p, 'slow.test', target.port));
  for (let at = 0; at < data.length; at += 64 << 10) ws.send(data.subarray(at, at + (64 << 10)));
  assert.equal((await nextJson(ws)).type, 'connected');
  assert.equal(await got, createHash('sha256').update(data).digest('hex'));
});
