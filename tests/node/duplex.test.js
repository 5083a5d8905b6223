// socket.toDuplex() / toDuplex(socket) (js/node/duplex.js): a node:stream Duplex over a Socket,
// with a real protocol on top (node:http's client through `createConnection` against a real
// node:http server), stream.pipeline, and backpressure both ways measured on real net peers.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { Readable, Writable, Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Socket, toDuplex } from 'kvsocket';
import { freePort } from '../ports.js';

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const sha = (buf) => createHash('sha256').update(buf).digest('hex');

function pattern(n, seed = 0) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 12)) & 0xff;
  return b;
}

/** A Duplex for node:http's createConnection: a new kvsocket Socket connecting to `port`. */
function kvConnection(port, made) {
  return () => {
    const sock = new Socket();
    assert.equal(sock.connect('127.0.0.1', port), true);
    made?.push(sock);
    return sock.toDuplex();
  };
}

test('node:http client over kvsocket: GET and a 3 MiB POST against a real node:http server', { timeout: 20000 }, async (t) => {
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c) => { hash.update(c); length += c.length; });
    req.on('end', () => {
      if (req.method === 'GET') return res.end(pattern(2 * 1024 * 1024, 7));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ length, sha: hash.digest('hex'), url: req.url }));
    });
  });
  const port = await listen(server);
  t.after(() => server.close());
  const made = [];

  const get = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/big', createConnection: kvConnection(port, made) }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
  assert.equal(get.status, 200);
  assert.equal(sha(get.body), sha(pattern(2 * 1024 * 1024, 7)), 'the 2 MiB body arrives whole through the Duplex');

  const body = pattern(3 * 1024 * 1024, 3);
  const post = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', createConnection: kvConnection(port, made) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.deepEqual(post, { length: body.length, sha: sha(body), url: '/upload' });
  assert.equal(made.length, 2, 'each request went over its own kvsocket Socket');
});

test('pipeline: a download through the Duplex into a hash; an upload, half-closed, answered after our FIN', { timeout: 20000 }, async (t) => {
  const data = pattern(5 * 1024 * 1024, 1);
  // allowHalfOpen: the server answers after the client's FIN, on the same connection.
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.once('data', (first) => {
      if (first.toString() === 'GET') return s.end(data);
      const hash = createHash('sha256').update(first);
      let length = first.length;
      s.on('data', (c) => { hash.update(c); length += c.length; });
      s.on('end', () => s.end(`${length} ${hash.digest('hex')}`));
    });
  });
  const port = await listen(server);
  t.after(() => server.close());

  const down = (await Socket.connect('127.0.0.1', port)).toDuplex();
  down.write('GET');
  const hash = createHash('sha256');
  await pipeline(down, new Writable({ write(c, _e, cb) { hash.update(c); cb(); } }));
  assert.equal(hash.digest('hex'), sha(data));

  const upload = pattern(3 * 1024 * 1024, 9);
  const up = toDuplex(await Socket.connect('127.0.0.1', port));
  const reply = [];
  await pipeline(
    Readable.from((function* () {
      for (let at = 0; at < upload.length; at += 65536) yield upload.subarray(at, at + 65536);
    })()),
    up,
    new Writable({ write(c, _e, cb) { reply.push(c); cb(); } }),
  );
  assert.equal(Buffer.concat(reply).toString(), `${upload.length} ${sha(upload)}`, 'the answer came after our end()');
  assert.equal(up.socket.status(true), 'Unconnected', 'the server ended too');
});

test('setTimeout on the Duplex is the engine idle timeout: one timeout event after quiet', { timeout: 10000 }, async (t) => {
  const server = net.createServer((s) => s.on('error', () => {}));
  const port = await listen(server);
  t.after(() => server.close());
  const sock = await Socket.connect('127.0.0.1', port);
  const duplex = sock.toDuplex();
  const started = performance.now();
  await new Promise((resolve) => duplex.setTimeout(200, resolve));
  const waited = performance.now() - started;
  assert.ok(waited >= 190 && waited < 1000, `timeout after ${waited} ms`);
  assert.equal(sock.idleTimeout(), 200);
  assert.equal(sock.status(true), 'Connected', 'the connection stays open');
  assert.equal(duplex.setNoDelay(false), duplex);
  assert.equal(duplex.setKeepAlive(true, 1000), duplex);
  duplex.destroy();
});

test('read side: a paused Duplex leaves bytes in the engine, which pauses the peer at its mark', { timeout: 20000 }, async (t) => {
  const total = 32 * 1024 * 1024;
  let written = 0;
  const server = net.createServer((s) => {
    const chunk = Buffer.alloc(64 * 1024, 1);
    const pump = () => {
      while (written < total) {
        written += chunk.length;
        if (!s.write(chunk)) return s.once('drain', pump);
      }
      s.end();
    };
    pump();
  });
  const port = await listen(server);
  t.after(() => server.close());
  const sock = await Socket.connect('127.0.0.1', port);
  sock.setReceiveHighWaterMark(1024 * 1024);
  const duplex = sock.toDuplex();
  duplex.pause();
  let peak = 0;
  const watch = setInterval(() => { peak = Math.max(peak, sock.bytesAvailable()); }, 5);
  t.after(() => clearInterval(watch));
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(written < total / 2, `the server could write only what the buffers hold (${written} of ${total})`);
  assert.ok(duplex.readableLength <= duplex.readableHighWaterMark + 64 * 1024, `the Duplex holds ${duplex.readableLength}`);
  assert.ok(sock.bytesAvailable() <= 1024 * 1024 + 256 * 1024, `the engine holds ${sock.bytesAvailable()}`);
  let got = 0;
  duplex.on('data', (c) => { got += c.length; });
  duplex.resume();
  await new Promise((resolve) => duplex.on('end', resolve));
  assert.equal(got, total, 'every byte after resuming');
  assert.ok(peak <= 1024 * 1024 + 256 * 1024, `the engine held at most ${peak} bytes`);
});

test('write side: write() returns false past the high-water mark and the callback waits for the drain', { timeout: 20000 }, async (t) => {
  let peer;
  let read = 0;
  const server = net.createServer((s) => {
    peer = s;
    s.pause(); // reads nothing at first
    s.on('data', (c) => { read += c.length; });
  });
  const port = await listen(server);
  t.after(() => { peer?.destroy(); server.close(); });
  const sock = await Socket.connect('127.0.0.1', port);
  sock.setHighWaterMark(256 * 1024);
  const duplex = toDuplex(sock, { writableHighWaterMark: 64 * 1024 });
  assert.ok(duplex instanceof Duplex);
  const chunk = Buffer.alloc(64 * 1024, 2);
  let accepted = 0;
  let peakBuffered = 0;
  // Write until the Duplex says stop, while the peer reads nothing: the kernel's buffers fill,
  // then the engine's, then write() returns false.
  for (let i = 0; i < 2000; i++) {
    accepted += chunk.length;
    const more = duplex.write(chunk);
    peakBuffered = Math.max(peakBuffered, sock.bufferedAmount());
    if (!more) break;
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(accepted < 2000 * chunk.length, 'write() returned false before 125 MiB were queued');
  assert.ok(peakBuffered <= 256 * 1024 + 2 * chunk.length, `the engine buffered at most ${peakBuffered} bytes`);
  assert.equal(sock.needsDrain(), true);
  peer.resume();
  await new Promise((resolve) => duplex.once('drain', resolve));
  assert.equal(sock.needsDrain(), false, 'the Duplex drains after the engine did');
  duplex.end();
  await new Promise((resolve) => duplex.on('finish', resolve));
  for (let i = 0; i < 100 && read < accepted; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(read, accepted, 'every accepted byte reached the peer');
});

test('a failed connection destroys the Duplex with a SocketError; destroying the Duplex destroys the socket', { timeout: 10000 }, async () => {
  const closed = await freePort();
  const sock = new Socket();
  sock.connect('127.0.0.1', closed);
  const duplex = sock.toDuplex();
  const err = await new Promise((resolve) => duplex.on('error', resolve));
  assert.equal(err.name, 'SocketError');
  // Node's code, as net.Socket's (the Duplex is kvsocket/net's Socket), beside KVIrc's name.
  assert.equal(err.code, 'ECONNREFUSED');
  assert.equal(err.kvircCode, 'ConnectionRefused');

  const server = net.createServer((s) => s.on('error', () => {}));
  const port = await listen(server);
  const other = await Socket.connect('127.0.0.1', port);
  const d2 = other.toDuplex();
  d2.destroy();
  assert.equal(other.status(), 0);
  assert.equal(other.write('x'), 0, 'the socket is destroyed');
  server.close();
});

test('toDuplex() of something that is not a Socket throws TypeError saying so', () => {
  for (const bad of [5, null, undefined, {}, new EventTarget()]) {
    assert.throws(() => toDuplex(bad), (e) => e instanceof TypeError && /toDuplex: expected a Socket/.test(e.message), String(bad));
  }
});
