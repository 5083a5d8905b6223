// Helpers for the proxy suites: real net servers on loopback, a proxy started in-process on port
// 0, and a ws client that reports "refused before open" apart from "opened". Every helper
// registers its cleanup with the test, so nothing outlives it.

import net from 'node:net';
import dgram from 'node:dgram';
import WebSocket from 'ws';
import { startProxy } from '../../js/proxy/server.js';

export { WebSocket };

// An error that escapes the proxy (an unhandled rejection, an uncaught exception) ends a real
// kvsocket-proxy process, so no test may let one pass: they are collected process-wide, and
// every test that starts a proxy (proxy() below, or noEscapes(t)) fails if one happened while
// it ran. One left at exit (after the last test) fails the run.
const escaped = [];
process.on('unhandledRejection', (err) => escaped.push(err));
process.on('uncaughtException', (err) => escaped.push(err));
process.on('exit', () => {
  if (escaped.length === 0) return;
  process.stderr.write(`an error escaped the proxy: ${escaped[0]?.stack ?? escaped[0]}\n`);
  process.exitCode = 1;
});

/** Fails `t` (once it is done) if an error escaped anything meanwhile. */
export function noEscapes(t) {
  t.after(() => {
    const found = escaped.splice(0);
    if (found.length) throw new Error(`${found.length} error(s) escaped (unhandled rejection or uncaught exception): ${found[0]?.stack ?? found[0]}`);
  });
}

/** Every test passes this to test(): loopback never needs longer. */
export const T = { timeout: 10_000 };

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects when `promise` has not settled after `ms`, naming `what`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls until `predicate()` is truthy. */
export async function waitUntil(predicate, what, ms = 5000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A TCP server on 127.0.0.1:0 (or options.listenOn) that counts accepts; `onConnection` gets each socket. */
export async function tcpServer(t, onConnection = () => {}, { listenOn = '127.0.0.1', ...options } = {}) {
  const sockets = new Set();
  const server = net.createServer(options, (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    server.accepts += 1;
    onConnection(sock);
  });
  server.accepts = 0;
  await new Promise((resolve) => server.listen(0, listenOn, resolve));
  server.port = server.address().port;
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return server;
}

/** An echo server. */
export const echoServer = (t) => tcpServer(t, (sock) => sock.pipe(sock));

/** A port on 127.0.0.1 with nobody listening (bound then released). */
export { freePort as closedPort } from '../ports.js';

/** A proxy on 127.0.0.1:0 whose log lines land in `proxy.lines`. */
export async function proxy(t, options = {}) {
  const lines = [];
  noEscapes(t);
  const p = await startProxy({ log: (line) => lines.push(line), ...options });
  p.lines = lines;
  t.after(() => p.close());
  return p;
}

/** The URL of a TCP tunnel through `p`. */
export const tcpUrl = (p, host, port) => `${p.url}?host=${encodeURIComponent(host)}&port=${port}`;

/**
 * Opens a WebSocket. Resolves with {ws} once open, or with {refused: {status, reason, body}}
 * when the server answered the upgrade with an HTTP error; rejects on any other failure.
 */
export function openWs(t, url, { protocols = ['binary'], ...options } = {}) {
  const ws = new WebSocket(url, protocols, options);
  ws.binaryType = 'nodebuffer';
  // Recorded from the start: the proxy may send in the same segment as the 101, before anything
  // the test attaches after `open`.
  ws.inbox = [];
  ws.on('message', (data, isBinary) => ws.inbox.push({ data, isBinary }));
  ws.closing = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  t.after(() => ws.terminate());
  const opened = new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        resolve({ refused: { status: res.statusCode, reason: res.statusMessage, body } });
        req.destroy();
      });
    });
    ws.on('error', reject); // kept: terminate() in cleanup may report one more
  });
  return withTimeout(opened, 8000, `${url} to open or be refused`);
}

/** Like openWs, but fails the test unless the WebSocket opened. */
export async function mustOpen(t, url, options) {
  const r = await openWs(t, url, options);
  if (!r.ws) throw new Error(`${url} was refused: ${r.refused.status} ${r.refused.body}`);
  return r.ws;
}

/**
 * Sends `data` in binary messages of at most 64 KiB, as kvsocket's browser host does (the
 * proxy's default --max-frame is 256 KiB).
 */
export function sendChunked(ws, data, size = 64 << 10) {
  for (let at = 0; at < data.length; at += size) ws.send(data.subarray(at, at + size));
}

/** Resolves with {code, reason} when `ws` (from openWs) closes. */
export const closed = (ws, ms = 8000) => withTimeout(ws.closing, ms, 'the WebSocket to close');

/** Every binary message `ws` got until it closed, joined: {data, code, reason}. */
export async function collect(ws, ms = 8000) {
  const c = await closed(ws, ms);
  return { data: Buffer.concat(ws.inbox.filter((m) => m.isBinary).map((m) => m.data)), ...c };
}

/** Takes the oldest message from `ws`'s inbox, waiting for one: {data, isBinary}. */
export async function nextMessage(ws, what = 'a message') {
  await waitUntil(() => ws.inbox.length > 0, what);
  return ws.inbox.shift();
}

/** The next text message, parsed as JSON. */
export async function nextJson(ws, what = 'a control message') {
  const m = await nextMessage(ws, what);
  if (m.isBinary) throw new Error(`expected ${what} (a text frame), got ${m.data.length} binary bytes`);
  return JSON.parse(m.data.toString());
}

/** A UDP socket on 127.0.0.1:0 that records what it gets ({msg, from}) and can echo it back. */
export async function udpPeer(t, { echo = false } = {}) {
  const sock = dgram.createSocket('udp4');
  sock.received = [];
  sock.on('message', (msg, from) => {
    sock.received.push({ msg, from });
    if (echo) sock.send(msg, from.port, from.address);
  });
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  sock.port = sock.address().port;
  t.after(() => new Promise((resolve) => sock.close(resolve)));
  return sock;
}

/** Resolves true when something can bind `port` on 127.0.0.1 with `kind` ('tcp' or 'udp'). */
export async function portIsFree(port, kind) {
  const s = kind === 'udp' ? dgram.createSocket('udp4') : net.createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    const done = () => s.close(() => resolve(true));
    if (kind === 'udp') s.bind(port, '127.0.0.1', done);
    else s.listen(port, '127.0.0.1', done);
  });
}

/**
 * A resolver the test controls: every name answers `address` after `ms`. `inFlight` is the
 * number of lookups not answered yet, `most` the highest it reached, `asked` how many were made.
 */
export function slowResolver(ms, address = '127.0.0.1') {
  const r = { asked: 0, inFlight: 0, most: 0 };
  r.lookup = async () => {
    r.asked += 1;
    r.inFlight += 1;
    r.most = Math.max(r.most, r.inFlight);
    await sleep(ms);
    r.inFlight -= 1;
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return r;
}
