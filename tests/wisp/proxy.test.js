// kvsocket-proxy's Wisp endpoint (/wisp/): our client (Node host) and the wisp-js client (a
// client we did not write) through it, with the proxy's own checks: --allow rules, a resolver
// the test controls, the token, and the connection cap. With the v2 stream-open confirmation a
// refused target is a connectFailed, as in Node without a proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy } from 'kvsocket/proxy';
import { client as wispClient } from '@mercuryworkshop/wisp-js/client';
import WebSocket from 'ws';
import { Socket, T, cleanup, record, reader, sha256, pseudoRandomBytes } from '../node/helpers.js';
import { echoServer, udpEchoServer, closedPort } from './servers.js';

async function proxy(track, options) {
  const lines = [];
  const p = track(await startProxy({ log: (l) => lines.push(l), ...options }));
  p.lines = lines;
  p.wisp = `wisp+ws://127.0.0.1:${p.port}/wisp/`;
  return p;
}

/** Connects a socket through `url` and resolves with its event labels once it ended or connected. */
async function attempt(track, url, host, port, until = 'error') {
  const sock = track(new Socket({ proxy: url }));
  const log = record(sock);
  assert.equal(sock.connect(host, port), true, sock.lastError());
  await log.until(until);
  return log.labels();
}

test('echo through /wisp/: 1 MiB each on 4 sockets, one WebSocket', { timeout: 30_000 }, async (t) => {
  const track = cleanup(t);
  const echo = track(await echoServer());
  const p = await proxy(track, { allow: [`127.0.0.1:${echo.port}`] });
  const runs = [0, 1, 2, 3].map(async (i) => {
    const sock = track(new Socket({ proxy: p.wisp }));
    const data = pseudoRandomBytes(1 << 20, i + 7);
    const got = reader(sock);
    sock.connectedEvent = () => sock.write(data);
    sock.connect('127.0.0.1', echo.port);
    await got.waitBytes(data.length, 20_000);
    assert.equal(sha256(got.buffer), sha256(data));
  });
  await Promise.all(runs);
  assert.equal(p.stats.clients, 1, 'one client connection carried the four sockets');
});

test('a refused target is connectFailed(ConnectionRefused), before connected', T, async (t) => {
  const track = cleanup(t);
  const closed = await closedPort();
  const p = await proxy(track, { allow: [`127.0.0.1:${closed}`] });
  assert.deepEqual(await attempt(track, p.wisp, '127.0.0.1', closed), [
    'stateChanged(Connecting)', 'connectFailed(ConnectionRefused)', 'error(ConnectionRefused)', 'stateChanged(Unconnected)',
  ]);
});

test('a target no rule allows is ProxyDenied (CLOSE: blocked), and is logged', T, async (t) => {
  const track = cleanup(t);
  const echo = track(await echoServer());
  const p = await proxy(track, { allow: [] });
  const labels = await attempt(track, p.wisp, '127.0.0.1', echo.port);
  assert.deepEqual(labels.slice(1, 3), ['connectFailed(ProxyDenied)', 'error(ProxyDenied)']);
  assert.ok(p.lines.some((l) => /wisp .* refused: TargetDenied/.test(l)), p.lines.join('\n'));
});

test('a name the resolver does not know is HostNotFound; a known one connects', T, async (t) => {
  const track = cleanup(t);
  const echo = track(await echoServer());
  const lookup = async (name) => {
    if (name === 'echo.test') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`${name} not found`), { code: 'ENOTFOUND' });
  };
  const p = await proxy(track, { allow: [`echo.test:${echo.port}`, `nowhere.test:${echo.port}`], allowLoopback: true, lookup });
  assert.deepEqual((await attempt(track, p.wisp, 'nowhere.test', echo.port)).slice(1, 2), ['connectFailed(HostNotFound)']);
  assert.deepEqual((await attempt(track, p.wisp, 'echo.test', echo.port, 'connected')).slice(1), ['stateChanged(Connected)', 'connected']);
});

test('UDP through /wisp/', T, async (t) => {
  const track = cleanup(t);
  const udp = track(await udpEchoServer());
  const p = await proxy(track, { allow: [`127.0.0.1:${udp.port}`] });
  const sock = track(new Socket({ proxy: p.wisp, protocol: 'udp' }));
  const got = new Promise((resolve) => { sock.dataAvailableEvent = () => resolve(sock.read()); });
  sock.connectedEvent = () => sock.write('ping');
  sock.connect('127.0.0.1', udp.port);
  assert.equal(await got, 'ping');
});

test('the token: without it the WebSocket is refused; with ?token= in the Wisp URL it works', T, async (t) => {
  const track = cleanup(t);
  const echo = track(await echoServer());
  const p = await proxy(track, { allow: [`127.0.0.1:${echo.port}`], tokens: ['s3cret-token-1234'] });
  assert.deepEqual((await attempt(track, p.wisp, '127.0.0.1', echo.port)).slice(1, 2), ['connectFailed(ProxyConnectionRefused)']);
  const url = `${p.wisp}?token=s3cret-token-1234`;
  assert.deepEqual((await attempt(track, url, '127.0.0.1', echo.port, 'connected')).slice(1), ['stateChanged(Connected)', 'connected']);
});

test('the Origin check: a page from another origin cannot open /wisp/', T, async (t) => {
  const track = cleanup(t);
  const p = await proxy(track, { allow: [] });
  const status = (origin) => new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/wisp/`, 'wisp-v2', origin ? { origin } : {});
    ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); req.destroy(); });
    ws.on('open', () => { resolve('open'); ws.close(); });
    ws.on('error', () => {});
  });
  assert.equal(await status('http://elsewhere.example'), 403);
  assert.equal(await status('http://127.0.0.1:8000'), 'open');
  assert.equal(await status(undefined), 'open', 'clients without an Origin (scripts) are not pages');
});

test('the connection cap counts streams: past it a stream is throttled', T, async (t) => {
  const track = cleanup(t);
  const echo = track(await echoServer());
  // maxPerClient above the streams: each stream counts as one of the client's too (issue 18, 5).
  const p = await proxy(track, { allow: [`127.0.0.1:${echo.port}`], maxConnections: 2, maxPerClient: 8 });
  await attempt(track, p.wisp, '127.0.0.1', echo.port, 'connected');
  await attempt(track, p.wisp, '127.0.0.1', echo.port, 'connected');
  assert.deepEqual((await attempt(track, p.wisp, '127.0.0.1', echo.port)).slice(1, 2), ['connectFailed(ProxyConnectionRefused)']);
});

test("the wisp-js client (not ours) through kvsocket-proxy's /wisp/", T, async (t) => {
  const track = cleanup(t);
  const echo = track(await echoServer());
  const p = await proxy(track, { allow: [`127.0.0.1:${echo.port}`] });
  const conn = new wispClient.ClientConnection(`ws://127.0.0.1:${p.port}/wisp/`);
  track(() => conn.close());
  await new Promise((resolve, reject) => { conn.onopen = resolve; conn.onerror = reject; });
  const stream = conn.create_stream('127.0.0.1', echo.port);
  const chunks = [];
  const got = new Promise((resolve) => {
    stream.onmessage = (bytes) => {
      chunks.push(Buffer.from(bytes));
      if (Buffer.concat(chunks).length >= 11) resolve(Buffer.concat(chunks).toString());
    };
  });
  stream.send(new TextEncoder().encode('hello wisp!'));
  assert.equal(await got, 'hello wisp!');
  const closed = new Promise((resolve) => { stream.onclose = resolve; });
  const refused = conn.create_stream('127.0.0.1', 1);
  const reason = await new Promise((resolve) => { refused.onclose = resolve; });
  assert.equal(reason, 0x48, 'port 1 is not allowed: blocked');
  stream.close();
  void closed;
});

test('a Node socket over /wisp/ that does not read pauses its stream: the target stalls (the receive-pause extension), then every byte is read', { timeout: 30_000 }, async (t) => {
  const track = cleanup(t);
  const net = await import('node:net');
  const { createHash } = await import('node:crypto');
  const block = pseudoRandomBytes((1 << 20) + 7, 3);
  const hash = createHash('sha256');
  let pushed = 0;
  let target = null;
  let stop = false;
  const server = net.createServer(async (s) => {
    target = s;
    s.on('error', () => {});
    while (!stop && !s.destroyed) {
      hash.update(block);
      pushed += block.length;
      if (!s.write(block)) await new Promise((resolve) => s.once('drain', resolve).once('close', resolve));
    }
    s.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => { target?.destroy(); server.close(); });
  const p = await proxy(track, { allow: [`127.0.0.1:${server.address().port}`] });
  const sock = track(new Socket({ proxy: p.wisp }));
  sock.connect('127.0.0.1', server.address().port);
  await new Promise((resolve) => { sock.connectedEvent = resolve; });
  // Unread: the 4 MiB mark, then the stream is paused; wait until the target stops getting rid of bytes.
  let handed = -1;
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = pushed - target.writableLength;
    if (now === handed) break;
    handed = now;
  }
  assert.ok(handed < 48 << 20, `the target handed ${handed} bytes to its system while nothing was read`);
  assert.ok(sock.bytesAvailable() < 24 << 20, `${sock.bytesAvailable()} bytes held unread`);
  stop = true;
  target.emit('drain');
  const got = createHash('sha256');
  let bytes = 0;
  await new Promise((resolve) => {
    const take = () => { const b = sock.readBytes(); got.update(b); bytes += b.length; };
    sock.dataAvailableEvent = take;
    sock.disconnectEvent = () => { take(); resolve(); };
    take();
  });
  assert.equal(bytes, pushed);
  assert.equal(got.digest('hex'), hash.digest('hex'));
});
