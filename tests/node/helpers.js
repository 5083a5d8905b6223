// Shared helpers for the node:test suites: promise helpers around the Socket's DOM events, real
// node:net peers on loopback, and cleanup that every test registers so that no handle outlives it.
import net from 'node:net';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { Socket } from 'kvsocket';

export { Socket };

/** Every test passes this to `test()`: SPEC'd behaviour on loopback never needs longer. */
export const T = { timeout: 10_000 };

export const EVENT_TYPES = [
  'stateChanged', 'hostFound', 'connected', 'connectFailed', 'error',
  'dataAvailable', 'disconnected', 'incomingConnection', 'drain',
];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects when `promise` has not settled after `ms`, naming `what` in the error. */
export function withTimeout(promise, ms, what = 'the operation') {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the next event of `type` dispatched on `target` (through addEventListener). */
export function once(target, type, ms = 5000) {
  let listener;
  const p = new Promise((resolve) => {
    listener = (event) => resolve(event);
    target.addEventListener(type, listener, { once: true });
  });
  return withTimeout(p, ms, `event '${type}'`).finally(() => target.removeEventListener(type, listener));
}

/** Polls `predicate` until it is truthy. */
export async function waitUntil(predicate, ms = 5000, what = 'a condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A short label for an event, e.g. `stateChanged(Connected)`, `error(ConnectionRefused)`. */
export function label(type, detail) {
  switch (type) {
    case 'stateChanged': return `stateChanged(${detail?.name})`;
    case 'error': return `error(${detail?.code})`;
    case 'connectFailed': return `connectFailed(${detail?.code})`;
    case 'disconnected': return `disconnected(${JSON.stringify(detail?.error)})`;
    default: return type;
  }
}

/**
 * Records every event dispatched on `socket`, in order. `log.labels()` gives the short labels,
 * `log.of(type)` the events of one type.
 */
export function record(socket, types = EVENT_TYPES) {
  const log = [];
  for (const type of types) {
    socket.addEventListener(type, (event) => log.push({ type, detail: event.detail, event }));
  }
  log.labels = (filter = () => true) => log.filter(filter).map((e) => label(e.type, e.detail));
  log.of = (type) => log.filter((e) => e.type === type);
  log.until = (type, ms = 5000) => waitUntil(() => log.some((e) => e.type === type), ms, `event '${type}'`);
  return log;
}

/**
 * Registers cleanup for the test `t`: Sockets are destroyed, net servers closed with their
 * connections, net sockets destroyed, functions called.
 */
export function cleanup(t) {
  const items = [];
  t.after(async () => {
    for (const item of items.reverse()) {
      try {
        if (typeof item === 'function') await item();
        else if (item instanceof Socket) item.destroy();
        else if (item instanceof net.Socket) item.destroy();
        else if (typeof item.close === 'function') await item.close();
      } catch {
        // cleanup is best effort: the assertion that failed is the one to report
      }
    }
  });
  return (...things) => {
    items.push(...things);
    return things[0];
  };
}

let ipv6;
/** True when this machine can listen on and connect to ::1. */
export function hasIPv6() {
  ipv6 ??= new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => {
      const client = net.connect(server.address().port, '::1');
      client.once('connect', () => { client.destroy(); server.close(() => resolve(true)); });
      client.once('error', () => server.close(() => resolve(false)));
    });
  });
  return ipv6;
}

/**
 * Resolves with the port a listening Socket got (listen(0) lets the system pick), once it is
 * known. docs/spec.md says localPort() tells it "once listening"; a dedicated test in listen.test.js
 * checks that it is known right after listen() returns, the other tests wait for it here.
 */
export async function listenPort(sock, ms = 3000) {
  await waitUntil(() => sock.localPort() > 0 || sock.status() === 0, ms, 'the listening port');
  if (sock.localPort() === 0) throw new Error(`not listening: ${sock.lastError()}`);
  return sock.localPort();
}

/** What a node:net connect to 127.0.0.1:`port` meets: 'connected', or the error's code. */
export function connectOutcome(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve('connected'); });
    c.once('error', (e) => resolve(e.code));
  });
}

/** A port on `host` where nothing listens (connections are refused). */
export { freePort } from '../ports.js';

/** Accumulates what a node:net socket receives. */
export function collect(netSocket) {
  const chunks = [];
  let size = 0;
  const ended = new Promise((resolve) => {
    netSocket.on('end', resolve);
    netSocket.on('close', resolve);
  });
  netSocket.on('data', (chunk) => { chunks.push(chunk); size += chunk.length; });
  netSocket.on('error', () => {});
  return {
    get size() { return size; },
    get buffer() { return Buffer.concat(chunks); },
    get text() { return Buffer.concat(chunks).toString('utf8'); },
    ended,
    waitBytes: (n, ms = 5000) => waitUntil(() => size >= n, ms, `${n} bytes at the peer (got ${size})`),
  };
}

/**
 * A real TCP server on loopback. `server.next()` resolves with the next accepted net.Socket
 * (already wrapped by `collect` as `socket.received`). `close()` destroys its connections.
 */
export function tcpServer({ host = '127.0.0.1', port = 0, onConnection } = {}) {
  return new Promise((resolve, reject) => {
    const connections = [];
    const waiting = [];
    const server = net.createServer((socket) => {
      socket.received = collect(socket);
      connections.push(socket);
      onConnection?.(socket);
      const w = waiting.shift();
      if (w) w(socket);
      else pending.push(socket);
    });
    const pending = [];
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve({
        server,
        host,
        port: server.address().port,
        connections,
        next: (ms = 5000) => withTimeout(new Promise((res) => {
          const p = pending.shift();
          if (p) res(p);
          else waiting.push(res);
        }), ms, 'a connection at the server'),
        close: () => new Promise((res) => {
          for (const c of connections) c.destroy();
          server.close(() => res());
        }),
      });
    });
  });
}

/**
 * A kvsocket Socket connected to a fresh node:net server on loopback: resolves with
 * `{ sock, peer, server, log }` once both ends see the connection. Everything is cleaned up
 * after `t`.
 */
export async function connectedPair(t, { host = '127.0.0.1', socket, onConnection } = {}) {
  const track = cleanup(t);
  const server = track(await tcpServer({ host: host.replace(/^\[|\]$/g, ''), onConnection }));
  const sock = track(socket ?? new Socket());
  const log = record(sock);
  const connected = once(sock, 'connected');
  if (!sock.connect(host, server.port)) throw new Error(`connect failed: ${sock.lastError()}`);
  const [peer] = await Promise.all([server.next(), connected]);
  track(peer);
  return { sock, peer, server, log, track };
}

/** Reads everything the socket receives (as bytes) on each dataAvailable event. */
export function reader(sock) {
  const chunks = [];
  let size = 0;
  sock.addEventListener('dataAvailable', () => {
    const bytes = sock.readBytes();
    if (bytes.length) { chunks.push(Buffer.from(bytes)); size += bytes.length; }
  });
  return {
    get size() { return size; },
    get buffer() { return Buffer.concat(chunks); },
    get text() { return Buffer.concat(chunks).toString('utf8'); },
    waitBytes: (n, ms = 5000) => waitUntil(() => size >= n, ms, `${n} bytes at the Socket (got ${size})`),
  };
}

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Deterministic pseudo-random bytes (xorshift), so a failing run can be reproduced. */
export function pseudoRandomBytes(n, seed = 0x9e3779b9) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * A loopback port whose TCP handshakes hang: a listener with backlog 1 in a worker thread whose
 * event loop is blocked, so nothing is ever accepted, and filler connections that fill its
 * queue. Resolves with `{ port, close() }`, or null when this machine completes the handshake
 * anyway (then a connect timeout cannot be provoked on loopback).
 */
export async function stalledPort() {
  const worker = new Worker(`
    const net = require('node:net');
    const { parentPort } = require('node:worker_threads');
    const server = net.createServer();
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      parentPort.postMessage(server.address().port);
      setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 20);
    });`, { eval: true });
  const port = await withTimeout(new Promise((resolve) => worker.once('message', resolve)), 5000, 'the stalled listener');
  await sleep(100);
  const fillers = [];
  const close = async () => {
    for (const f of fillers) f.destroy();
    await worker.terminate();
  };
  // Fill the accept queue until a handshake hangs for 300 ms.
  for (let i = 0; i < 16; i++) {
    const filler = net.connect(port, '127.0.0.1');
    filler.on('error', () => {});
    fillers.push(filler);
    const connected = await Promise.race([
      new Promise((resolve) => filler.once('connect', () => resolve(true))),
      sleep(300).then(() => false),
    ]);
    // Stalled only if the handshake still hangs a moment later: on a loaded machine our own
    // event loop can be 300 ms late with a connect that went through (the queue not yet full).
    if (!connected && (await sleep(200), filler.connecting)) return { port, close };
  }
  await close();
  return null;
}
