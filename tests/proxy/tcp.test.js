// TCP tunnels through kvsocket-proxy: bytes, refusals before open, half-close and caps.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  T, closed, closedPort, collect, echoServer, mustOpen, sendChunked, openWs, proxy, tcpServer, tcpUrl, waitUntil,
} from './helpers.js';

test('an allowed target gets every byte value both ways, unchanged', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  assert.equal(ws.protocol, 'binary');
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const got = [];
  ws.on('message', (d, isBinary) => {
    assert.equal(isBinary, true);
    got.push(d);
  });
  ws.send(all);
  await waitUntil(() => Buffer.concat(got).length >= 256, 'the echo');
  assert.deepEqual(Buffer.concat(got), all);
});

test('IPv6 targets, bracketed or bare, are allowed by IPv6 rules', T, async (t) => {
  const server = await tcpServer(t, (sock) => sock.end('six'), { listenOn: '::1' });
  const p = await proxy(t, { allow: [`[::1]:${server.port}`] });
  for (const host of ['::1', '[::1]']) {
    const { data, code } = await collect(await mustOpen(t, tcpUrl(p, host, server.port)));
    assert.equal(code, 1000);
    assert.equal(data.toString(), 'six');
  }
  assert.equal((await openWs(t, tcpUrl(p, '127.0.0.1', server.port))).refused?.status, 403);
});

test('a tunnel also works when no subprotocol is offered', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port), { protocols: [] });
  assert.equal(ws.protocol, '');
});

test('a denied target is refused with 403 before open and never gets a connection', T, async (t) => {
  const target = await tcpServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port + 1}`, 'localhost:*'] });
  const r = await openWs(t, tcpUrl(p, '127.0.0.1', target.port));
  assert.equal(r.ws, undefined, 'the WebSocket must not open');
  assert.equal(r.refused.status, 403);
  assert.match(r.refused.body, new RegExp(`target denied: 127\\.0\\.0\\.1:${target.port}`));
  assert.equal(target.accepts, 0);
  assert.equal(p.stats.refused, 1);
  assert.match(p.lines.join('\n'), /403 target denied/);
});

test('an unreachable target is refused with 502 ECONNREFUSED before open', T, async (t) => {
  const port = await closedPort();
  const p = await proxy(t, { allow: ['127.0.0.1:*'] });
  const r = await openWs(t, tcpUrl(p, '127.0.0.1', port));
  assert.equal(r.ws, undefined);
  assert.equal(r.refused.status, 502);
  assert.equal(r.refused.reason, 'ECONNREFUSED');
  assert.equal(p.stats.active, 0);
});

test('a bad request is refused with 400', T, async (t) => {
  const p = await proxy(t, { allow: ['*:*'] });
  for (const query of ['', '?host=127.0.0.1', '?host=127.0.0.1&port=0', '?host=a%20b&port=1', '?udp=yes&host=x&port=1']) {
    const r = await openWs(t, `${p.url}${query}`);
    assert.equal(r.refused?.status, 400, query);
  }
  const r = await openWs(t, `${p.url}?host=127.0.0.1&port=1`, { protocols: ['base64'] });
  assert.equal(r.refused?.status, 400);
  assert.match(r.refused.body, /binary/);
});

test('Origin rules: only a listed Origin (or *) gets through', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], origins: ['http://good.example'] });
  const url = tcpUrl(p, '127.0.0.1', echo.port);
  const bad = await openWs(t, url, { origin: 'http://evil.example' });
  assert.equal(bad.refused?.status, 403);
  assert.match(bad.refused.body, /origin denied: http:\/\/evil\.example/);
  const none = await openWs(t, url);
  assert.equal(none.refused?.status, 403);
  await mustOpen(t, url, { origin: 'http://good.example' });
  assert.equal(echo.accepts, 1, 'refused origins never reach the target');

  const any = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], origins: ['*'] });
  await mustOpen(t, tcpUrl(any, '127.0.0.1', echo.port), { origin: 'http://whatever.example' });
});

test('--max-connections caps concurrent tunnels with 503', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], maxConnections: 2 });
  const url = tcpUrl(p, '127.0.0.1', echo.port);
  const a = await mustOpen(t, url);
  await mustOpen(t, url);
  const third = await openWs(t, url);
  assert.equal(third.refused?.status, 503);
  assert.equal(echo.accepts, 2);
  a.close();
  await waitUntil(() => p.stats.active === 1, 'the slot to be given back');
  await mustOpen(t, url);
});

test('16 MiB round trip through the proxy keeps every byte (sha256)', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  const data = randomBytes(16 << 20);
  const hash = createHash('sha256');
  let received = 0;
  const done = new Promise((resolve) => {
    ws.on('message', (d) => {
      hash.update(d);
      received += d.length;
      if (received >= data.length) resolve();
    });
  });
  for (let at = 0; at < data.length; at += 256 << 10) ws.send(data.subarray(at, at + (256 << 10)));
  await done;
  assert.equal(received, data.length);
  assert.equal(hash.digest('hex'), createHash('sha256').update(data).digest('hex'));
});

test("the target's FIN closes the WebSocket with 1000 after the last bytes", T, async (t) => {
  const last = randomBytes(3 << 20);
  const target = await tcpServer(t, (sock) => sock.end(last));
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', target.port));
  const { data, code } = await collect(ws);
  assert.equal(code, 1000);
  assert.ok(data.equals(last), `got ${data.length} of ${last.length} bytes before the close`);
});

test('the WebSocket closing ends the TCP connection after flushing what was sent', T, async (t) => {
  const sent = randomBytes(4 << 20);
  let ended;
  const got = new Promise((resolve) => (ended = resolve));
  const target = await tcpServer(t, (sock) => {
    const chunks = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => ended(Buffer.concat(chunks)));
  });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', target.port));
  sendChunked(ws, sent);
  ws.close(1000);
  const data = await got;
  assert.ok(data.equals(sent), `the target got ${data.length} of ${sent.length} bytes before its FIN`);
});

test('the target still gets data after its own FIN (half-close), then the WebSocket closes', T, async (t) => {
  let received;
  const got = new Promise((resolve) => (received = resolve));
  const target = await tcpServer(t, (sock) => {
    sock.end('bye'); // our FIN first; keep reading
    const chunks = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => received(Buffer.concat(chunks).toString()));
  }, { allowHalfOpen: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', target.port));
  // Sent before the client has read anything: the target's FIN is already on its way.
  ws.send(Buffer.from('late reply'));
  const { data, code } = await collect(ws);
  assert.equal(code, 1000);
  assert.equal(data.toString(), 'bye');
  assert.equal(await got, 'late reply');
});

test('a TCP error after open closes the WebSocket with 1011 and the error code', T, async (t) => {
  const target = await tcpServer(t, (sock) => setTimeout(() => sock.resetAndDestroy(), 50));
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', target.port));
  const { code, reason } = await closed(ws);
  assert.equal(code, 1011);
  assert.equal(reason, 'ECONNRESET');
});

test('a text frame on a TCP tunnel closes it with 1003', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  ws.send('text');
  assert.equal((await closed(ws)).code, 1003);
});

test('--max-frame: a larger message closes the tunnel with 1009', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], maxFrame: 1024 });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  ws.send(Buffer.alloc(1024));
  ws.send(Buffer.alloc(1025));
  assert.equal((await closed(ws)).code, 1009);
});

test('backpressure: a target that does not read stops the proxy reading the WebSocket', T, async (t) => {
  const target = await tcpServer(t, () => {}, { pauseOnConnect: true });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', target.port));
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < 64; i++) ws.send(chunk);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.ok(p.stats.bytesFromClients < 32 << 20, `the proxy took ${p.stats.bytesFromClients} bytes`);
});

test('backpressure: a page that does not read stops the proxy reading the target', T, async (t) => {
  let writtenByTarget = 0;
  const target = await tcpServer(t, (sock) => {
    const chunk = Buffer.alloc(1 << 20);
    const pump = () => {
      while (writtenByTarget < 64 << 20) {
        writtenByTarget += chunk.length;
        if (!sock.write(chunk)) return sock.once('drain', pump);
      }
    };
    pump();
  });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', target.port));
  ws.pause();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.ok(p.stats.bytesToClients < 32 << 20, `the proxy read ${p.stats.bytesToClients} bytes`);
  assert.ok(writtenByTarget < 64 << 20, 'the target was held back');
});

test('close() ends open tunnels', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  const c = closed(ws);
  await p.close();
  assert.equal((await c).code, 1006);
});

test("reads follow the target: a bulk transfer comes in messages larger than net's 64 KiB, a trickle as it was written", T, async (t) => {
  const bulk = randomBytes(8 << 20);
  const target = await tcpServer(t, (sock) => {
    sock.once('data', (d) => {
      if (d.toString() === 'bulk') return sock.end(bulk);
      let i = 0;
      const tick = setInterval(() => {
        sock.write(`line ${i}\n`);
        if (++i === 5) {
          clearInterval(tick);
          sock.end();
        }
      }, 20);
    });
  });
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', target.port));
  ws.send(Buffer.from('bulk'));
  const { data } = await collect(ws);
  assert.ok(data.equals(bulk), 'every byte, in order');
  const sizes = ws.inbox.map((m) => m.data.length);
  assert.ok(Math.max(...sizes) > 64 << 10, `message sizes: ${sizes.slice(0, 20).join(' ')}`);
  const chatty = await mustOpen(t, tcpUrl(p, '127.0.0.1', target.port));
  chatty.send(Buffer.from('chat'));
  const lines = await collect(chatty);
  assert.equal(lines.data.toString(), [0, 1, 2, 3, 4].map((i) => `line ${i}\n`).join(''));
  assert.deepEqual(chatty.inbox.map((m) => m.data.toString()), [0, 1, 2, 3, 4].map((i) => `line ${i}\n`), 'one message per write');
});
