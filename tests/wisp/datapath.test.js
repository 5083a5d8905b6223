// The Wisp data path on the JS side (js/wisp/): payloads handed to the socket as views of the
// WebSocket's message, DATA headers read and written in JS, a packet that arrives in several
// WebSocket frames, writes cut into 64 KiB packets within the credit, and DATA held back while
// the shared WebSocket's buffer is full (Node's `ws` callback tells when it drains).
//
// Real WebSockets on loopback throughout. Where a case needs packets that the servers we did not
// write will not send on demand (a DATA packet split over frames, a text frame, a packet for an
// unknown stream, a small credit), a scripted Wisp v1 server on the `ws` package sends them.
// The sockets come from a Socket class built like the Node entry's, whose WebSockets the test
// can watch (withWisp's `open`): the messages `ws` hands over are what the payloads must be
// views of.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { WebSocketServer } from 'ws';
import 'kvsocket'; // instantiates the module
import {
  initSync, Engine, hexToBytes, textOfBytes, hexOfBytes, batchHeader, batchKinds, setShelf, hostTuning, statusNames, overStatuses,
} from '../../pkg/kvsocket_node.js';
import { createSocketClass } from '../../js/socket.js';
import { nodeHost } from '../../js/node/host.js';
import { withWisp, openWebSocket } from '../../js/node/wisp.js';
import { T, cleanup, record, sha256, pseudoRandomBytes, waitUntil } from '../node/helpers.js';
import { startWispJs } from './servers.js';

const { memory } = initSync(); // the module the entry instantiated: its memory
const MAX_DATA = 64 * 1024;

/**
 * A Socket class whose Wisp WebSockets are handed to `watch` as they are opened; `copies`
 * counts the facade's copies of written views (the host's copyBytes).
 */
function watchedSockets(watch, copies = { count: 0 }) {
  const open = (url, protocol) => {
    const ws = openWebSocket(url, protocol);
    watch(ws);
    return ws;
  };
  const host = withWisp(nodeHost, open);
  const copyBytes = host.copyBytes;
  host.copyBytes = (bytes) => {
    copies.count++;
    return copyBytes(bytes);
  };
  return createSocketClass({
    Engine, hexToBytes, textOfBytes, hexOfBytes, host, wasm: { memory, batchHeader, batchKinds, setShelf, hostTuning, statusNames, overStatuses },
  });
}

const packet = (type, stream, payload = new Uint8Array(0)) => {
  const out = Buffer.alloc(5 + payload.length);
  out[0] = type;
  out.writeUInt32LE(stream, 1);
  out.set(payload, 5);
  return out;
};
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };

/**
 * A scripted Wisp v1 server: the initial CONTINUE gives `credit`; every packet received is kept
 * (`packets`, copies); `onConnect(ws, stream)` runs for each CONNECT.
 */
async function scriptedServer(track, { credit = 128, onConnect = () => {} } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const server = { packets: [], url: `wisp+ws://127.0.0.1:${wss.address().port}/` };
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.send(packet(3, 0, u32(credit)));
    ws.on('message', (m) => {
      server.packets.push(Buffer.from(m));
      if (m[0] === 1) onConnect(ws, m.readUInt32LE(1));
    });
  });
  track(() => new Promise((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close(resolve);
  }));
  return server;
}

test('a DATA payload reaches readBytes() as a view of the WebSocket message, not a copy', T, async (t) => {
  const track = cleanup(t);
  const payload = pseudoRandomBytes(3000, 11);
  const server = await scriptedServer(track, { onConnect: (ws, stream) => ws.send(packet(2, stream, payload)) });
  const messages = [];
  const Socket = watchedSockets((ws) => ws.on('message', (m, binary) => { if (binary) messages.push(m); }));
  const sock = new Socket({ proxy: server.url });
  track(() => sock.destroy());
  const got = new Promise((resolve) => { sock.dataAvailableEvent = () => resolve(sock.readBytes()); });
  assert.equal(sock.connect('127.0.0.1', 9), true, sock.lastError());
  const bytes = await got;
  assert.deepEqual(bytes, payload);
  const message = messages.find((m) => m[0] === 2);
  assert.equal(bytes.buffer, message.buffer, 'the same memory as the message ws handed over');
  assert.equal(bytes.byteOffset, message.byteOffset + 5, 'just after the 5-byte header');
});

test('a packet in several WebSocket frames (its header split) is one packet; text frames and unknown streams are dropped', T, async (t) => {
  const track = cleanup(t);
  const payload = pseudoRandomBytes(70_000, 5);
  const server = await scriptedServer(track, {
    onConnect(ws, stream) {
      ws.send('not Wisp: ignored');
      ws.send(packet(2, stream + 1000, Buffer.from('for a stream that is not open')));
      const whole = packet(2, stream, payload);
      ws.send(whole.subarray(0, 3), { fin: false }); // the header in two frames
      ws.send(whole.subarray(3, 12), { fin: false });
      ws.send(whole.subarray(12), { fin: true });
      ws.send(packet(4, stream, Buffer.from([0x02]))); // CLOSE, voluntary
    },
  });
  const Socket = watchedSockets(() => {});
  const sock = new Socket({ proxy: server.url });
  track(() => sock.destroy());
  const log = record(sock);
  const chunks = [];
  sock.dataAvailableEvent = () => chunks.push(Buffer.from(sock.readBytes()));
  sock.connect('127.0.0.1', 9);
  await log.until('disconnected');
  assert.equal(sha256(Buffer.concat(chunks)), sha256(payload));
  assert.deepEqual(log.labels((e) => e.type === 'disconnected' || e.type === 'error'), ['disconnected("")']);
});

test('a large write leaves as 64 KiB DATA packets within the credit; the rest waits in bufferedAmount', T, async (t) => {
  const track = cleanup(t);
  let serverWs;
  let streamId;
  const server = await scriptedServer(track, { credit: 2, onConnect: (ws, stream) => { serverWs = ws; streamId = stream; } });
  const Socket = watchedSockets(() => {});
  const sock = new Socket({ proxy: server.url });
  track(() => sock.destroy());
  const data = pseudoRandomBytes(3 * MAX_DATA + 8192, 3);
  await new Promise((resolve) => { sock.connectedEvent = resolve; sock.connect('127.0.0.1', 9); });
  assert.equal(sock.write(data), data.length);
  data.fill(0); // the socket took its own copy: a later change is not sent
  const want = pseudoRandomBytes(3 * MAX_DATA + 8192, 3);
  const dataPackets = () => server.packets.filter((p) => p[0] === 2);
  await waitUntil(() => dataPackets().length === 2, 5000, 'the two packets the credit allows');
  // Only the credit's two packets left: the rest is still the socket's.
  assert.equal(sock.bufferedAmount(), data.length - 2 * MAX_DATA);
  serverWs.send(packet(3, streamId, u32(2)));
  await waitUntil(() => dataPackets().length === 4, 5000, 'the two packets the next CONTINUE allows');
  const sent = dataPackets();
  assert.deepEqual(sent.map((p) => p.length - 5), [MAX_DATA, MAX_DATA, MAX_DATA, 8192]);
  for (const p of sent) assert.equal(p.readUInt32LE(1), streamId);
  assert.equal(sha256(Buffer.concat(sent.map((p) => p.subarray(5)))), sha256(want));
  await waitUntil(() => sock.bufferedAmount() === 0, 5000, 'nothing buffered');
});

test('DATA waits while the shared WebSocket holds a MiB, and goes on when the server reads again', { timeout: 60_000 }, async (t) => {
  const track = cleanup(t);
  const wisp = track(await startWispJs());
  let serverSide;
  wisp.server.on('upgrade', (req, socket) => { serverSide = socket; });
  // A sink that keeps what each connection sent.
  const got = [];
  const sink = track(net.createServer((c) => {
    const mine = { chunks: [], size: 0 };
    got.push(mine);
    c.on('data', (d) => { mine.chunks.push(d); mine.size += d.length; });
    c.on('error', () => {});
  }));
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  let ws;
  const Socket = watchedSockets((w) => { ws = w; });
  // Four streams of 8 MiB: more than their credit together lets the kernel's buffers hold, so
  // the WebSocket's own buffer fills while the server is not reading.
  const size = 8 << 20;
  const datas = [1, 2, 3, 4].map((seed) => pseudoRandomBytes(size, seed));
  const socks = datas.map(() => new Socket({ proxy: wisp.url }));
  track(() => socks.forEach((s) => s.destroy()));
  await Promise.all(socks.map((s) => new Promise((resolve) => { s.connectedEvent = resolve; s.connect('127.0.0.1', sink.address().port); })));
  serverSide.pause();
  socks.forEach((s, i) => s.write(datas[i]));
  await waitUntil(() => ws.bufferedAmount >= 1 << 20, 20_000, 'the WebSocket buffer to fill');
  // Held back in the client, not piled into the WebSocket: at most the room and one packet more.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(ws.bufferedAmount <= (1 << 20) + MAX_DATA + 64, `the WebSocket holds ${ws.bufferedAmount} bytes`);
  const held = socks.reduce((n, s) => n + s.bufferedAmount(), 0);
  assert.ok(held > 0, 'the sockets still hold what waits');
  serverSide.resume();
  await waitUntil(() => got.length === 4 && got.every((g) => g.size === size), 40_000, 'every byte at the targets');
  assert.deepEqual(got.map((g) => sha256(Buffer.concat(g.chunks))).sort(), datas.map((d) => sha256(d)).sort());
  assert.ok(socks.every((s) => s.bufferedAmount() === 0));
});

test('DATA that a CONTINUE allows while the shared WebSocket is full goes once the buffer drains (no stall)', { timeout: 60_000 }, async (t) => {
  // The client's room is the WebSocket's as of its last look. A stream out of credit does not
  // wait for room; when its CONTINUE comes while another stream has filled the buffer, the DATA
  // it allows must wait for room and then go (it once waited for nothing: an upload stalled).
  const track = cleanup(t);
  let serverWs;
  const ids = [];
  const server = await scriptedServer(track, { credit: 1, onConnect: (ws, stream) => { serverWs = ws; ids.push(stream); } });
  let ws;
  const Socket = watchedSockets((w) => { ws = w; });
  const a = new Socket({ proxy: server.url });
  const b = new Socket({ proxy: server.url });
  track(() => { a.destroy(); b.destroy(); });
  await new Promise((resolve) => { a.connectedEvent = resolve; a.connect('127.0.0.1', 9); });
  await new Promise((resolve) => { b.connectedEvent = resolve; b.connect('127.0.0.1', 9); });
  await waitUntil(() => ids.length === 2, 5000, 'both CONNECTs at the server');
  const [streamA, streamB] = ids;
  const dataOf = (stream) => server.packets.filter((p) => p[0] === 2 && p.readUInt32LE(1) === stream);
  // A: its one packet of credit goes, the second packet waits for credit.
  const want = pseudoRandomBytes(2 * MAX_DATA, 5);
  a.write(want);
  await waitUntil(() => dataOf(streamA).length === 1, 5000, "A's first packet");
  assert.equal(a.bufferedAmount(), MAX_DATA);
  // The server stops reading; B, with credit to spare, fills the WebSocket's buffer a packet at a
  // time until it holds the client's room (a MiB), with nothing of B's left waiting.
  serverWs._socket.pause();
  serverWs.send(packet(3, streamB, u32(1 << 20)));
  const chunk = new Uint8Array(MAX_DATA);
  for (let i = 0; ws.bufferedAmount < 1 << 20; i++) {
    assert.ok(i < 2048, 'the WebSocket buffer fills within 128 MiB');
    b.write(chunk);
    await waitUntil(() => b.bufferedAmount() === 0, 5000, "B's packet handed to the WebSocket");
  }
  // A's credit comes while the buffer is full; then the server reads again.
  serverWs.send(packet(3, streamA, u32(8)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  serverWs._socket.resume();
  await waitUntil(() => dataOf(streamA).length === 2, 10_000, "A's second packet, sent once the buffer drained");
  assert.equal(sha256(Buffer.concat(dataOf(streamA).map((p) => p.subarray(5)))), sha256(want));
  assert.equal(a.bufferedAmount(), 0);
});

test("a write that goes in its own call is framed from the caller's view (no copy first); a later change to the view is not sent", T, async (t) => {
  const track = cleanup(t);
  const server = await scriptedServer(track, { credit: 64 });
  const copies = { count: 0 };
  const Socket = watchedSockets(() => {}, copies);
  const sock = new Socket({ proxy: server.url });
  track(() => sock.destroy());
  // Written before the stream is open: the socket keeps it, so it is copied.
  const early = pseudoRandomBytes(5000, 1);
  const wantEarly = Buffer.from(early);
  assert.equal(sock.connect('127.0.0.1', 9), true, sock.lastError());
  assert.equal(sock.write(early), early.length);
  early.fill(0);
  assert.equal(copies.count, 1, 'a write that waits for the connection is copied');
  await new Promise((resolve) => { sock.connectedEvent = resolve; });
  // Credit and room: each write leaves as a DATA packet in its call, framed from the view.
  const view = new Uint8Array(MAX_DATA);
  const want = [];
  for (let i = 0; i < 8; i++) {
    view.set(pseudoRandomBytes(MAX_DATA, 100 + i));
    want.push(Buffer.from(view));
    assert.equal(sock.write(view), MAX_DATA);
    assert.equal(sock.bufferedAmount(), 0, 'sent in the call');
  }
  view.fill(0);
  assert.equal(copies.count, 1, 'no copy of a write sent in its call');
  const dataPackets = () => server.packets.filter((p) => p[0] === 2);
  await waitUntil(() => dataPackets().length === 9, 5000, 'nine DATA packets');
  assert.equal(sha256(Buffer.concat(dataPackets().map((p) => p.subarray(5)))), sha256(Buffer.concat([wantEarly, ...want])));
});

test('one view rewritten and written again and again through a real server: every write arrives as it was at write()', { timeout: 60_000 }, async (t) => {
  // Writes from drainEvent, while the WebSocket's buffer fills and drains: some go in their own
  // call (lent), some wait for room (copied then), a large write partly both.
  const track = cleanup(t);
  const wisp = track(await startWispJs());
  const got = [];
  const sink = track(net.createServer((c) => {
    c.on('data', (d) => got.push(d));
    c.on('error', () => {});
  }));
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const copies = { count: 0 };
  const Socket = watchedSockets(() => {}, copies);
  const sock = new Socket({ proxy: wisp.url });
  track(() => sock.destroy());
  const sizes = [MAX_DATA, 1000, 3 * MAX_DATA + 17, MAX_DATA - 1, 4096, 200_000];
  const view = new Uint8Array(200_000);
  const want = createHash('sha256');
  let total = 0;
  let i = 0;
  const writes = 600;
  const pump = () => {
    while (i < writes) {
      const n = sizes[i % sizes.length];
      const part = view.subarray(0, n);
      part.set(pseudoRandomBytes(n, i));
      want.update(part);
      total += n;
      i++;
      sock.write(part);
      part.fill(0xee); // not sent
      if (sock.bufferedAmount() > 1 << 20) return;
    }
  };
  sock.drainEvent = pump;
  await new Promise((resolve) => { sock.connectedEvent = resolve; sock.connect('127.0.0.1', sink.address().port); });
  pump();
  await waitUntil(() => got.reduce((n, d) => n + d.length, 0) >= total && i === writes, 40_000, 'every byte at the sink');
  assert.equal(sha256(Buffer.concat(got)), want.digest('hex'));
  assert.equal(copies.count, 0, 'the socket itself copied nothing (what waited, the Wisp host copied)');
});

test('what a Wisp socket cannot do (listen, resolve) is UnsupportedSocketOperation, a turn later, named by the Rust sessions', T, async () => {
  // The host's side of the contract, as a link sees it: the entries refuse listen first
  // (wispRefusal), and an engine told that the server resolves names never asks to resolve; the
  // sessions answer anyway, and never inside the call.
  const host = withWisp(nodeHost);
  const failures = [];
  const link = {
    options: { proxy: 'wisp+ws://127.0.0.1:9/w/' },
    get: () => undefined,
    failed: (id, error) => failures.push([id, error]),
  };
  host.perform({ type: 'listen', id: 7, ip: '127.0.0.1', port: 0 }, link);
  host.perform({ type: 'resolve', id: 8, host: 'localhost' }, link);
  assert.deepEqual(failures, [], 'not inside the call');
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(failures, [[7, 'UnsupportedSocketOperation'], [8, 'UnsupportedSocketOperation']]);
});
