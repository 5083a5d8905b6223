// Receive backpressure end to end in Chromium (issue 19, item 6; docs/spec.md "Backpressure"): a
// target sends as fast as it can (up to 256 MiB) while the page's script does not read. Past the
// engine's receive high-water mark (4 MiB) the browser host asks kvsocket-proxy to stop reading
// the target (a `pause` control message on a per-socket tunnel, the receive-pause extension on
// /wisp/), so what the page holds unread, and what the target could hand to its system, stay at
// the mark plus what the hops in between buffer: tens of MiB, not 256. Then the script reads
// everything, and the SHA-256 of what it read is the SHA-256 of what the target sent. The
// tunnel is a WebSocketStream in Chromium, whose reading also stops: through websockify, which
// cannot be told to pause, the page still holds only the mark; and with WebSocketStream taken
// away (a browser without it) the pause message alone bounds the page.
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { startProxy } from '../../js/proxy/server.js';
import { packagePage } from './harness.js';
import { WEBSOCKIFY_PYTHON, startWebsockify } from './websockify.js';

const MiB = 1024 * 1024;
const LIMIT = 256 * MiB;
/** How long the script does not read (the 5 s, shortened: the stall comes well before). */
const PAUSE_MS = 2500;
/** What may be held unread in the page: the engine's 4 MiB mark, the bytes in flight when the
 * pause message left (the proxy's 1 MiB WebSocket mark and its read buffer, the kernel's socket
 * buffers towards the browser, Chromium's own queues), with room to spare. */
const PAGE_BOUND = 32 * MiB;
/** What the target may have handed to its system: the page's share plus the kernel's buffers
 * between the target and the proxy. */
const TARGET_BOUND = 48 * MiB;

/**
 * A TCP server whose one connection gets bytes as fast as it takes them, up to `limit` (LIMIT), until
 * stop(): then the bytes already written, and an end. `handed()`: what the system took so far.
 * `sent`: resolves with {bytes, sha256} of everything written.
 */
async function floodTarget(limit = LIMIT) {
  // A block whose length is no power of two: a lost or repeated piece shows in the hash.
  const block = randomBytes(MiB + 7);
  let sock = null;
  let pushed = 0;
  let stopped = false;
  let stop = () => {};
  const hash = createHash('sha256');
  let connected;
  const reached = new Promise((resolve) => (connected = resolve));
  let done;
  const sent = new Promise((resolve) => (done = resolve));
  const server = net.createServer(async (s) => {
    sock = s;
    s.on('error', () => {});
    connected();
    while (!stopped && pushed < limit) {
      const chunk = block.subarray(0, Math.min(block.length, limit - pushed));
      hash.update(chunk);
      pushed += chunk.length;
      if (!s.write(chunk)) {
        await new Promise((resolve) => {
          stop = resolve;
          s.once('drain', resolve);
        });
      }
    }
    s.end();
    done({ bytes: pushed, sha256: hash.digest('hex') });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    reached,
    sent,
    handed: () => pushed - (sock?.writableLength ?? 0),
    stop() {
      stopped = true;
      stop();
    },
    close: () => {
      sock?.destroy();
      server.close();
    },
  };
}

/** In the page: a socket connected to the target through `proxy`, kept as `window.flooded`. */
async function connectInPage(proxy, port) {
  const { Socket } = await import('/js/browser/index.js');
  const s = new Socket({ proxy });
  window.flooded = s;
  await new Promise((resolve, reject) => {
    s.addEventListener('connected', resolve);
    s.addEventListener('error', (e) => reject(new Error(e.detail.code)));
    s.connect('127.0.0.1', port);
  });
}

/** In the page: reads until the target's end; the bytes' count and SHA-256. */
async function readAllInPage() {
  const s = window.flooded;
  const chunks = [];
  let bytes = 0;
  const take = () => {
    const b = s.readBytes();
    if (b.length > 0) {
      chunks.push(b);
      bytes += b.length;
    }
  };
  await new Promise((resolve, reject) => {
    s.addEventListener('dataAvailable', take);
    s.addEventListener('disconnected', (e) => (e.detail.error === '' ? resolve() : reject(new Error(e.detail.error))));
    take();
  });
  take();
  const all = new Uint8Array(bytes);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return { bytes, sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') };
}

/** websockify in front of 127.0.0.1:`port`, stopped after the test: its URL. */
async function websockify(t, port) {
  const ws = await startWebsockify(port);
  t.after(() => ws.close());
  return ws.url;
}

/** `proxyUrl`: the URL, or a function of the target's port that resolves with it. `limit`:
 * what the target has to send. */
async function pausedDownload(t, page, proxyUrl, limit = LIMIT) {
  const target = await floodTarget(limit);
  t.after(() => target.close());
  if (typeof proxyUrl === 'function') proxyUrl = await proxyUrl(target.port);
  await page.evaluate(`(${connectInPage})(${JSON.stringify(proxyUrl)}, ${target.port})`);
  await target.reached;
  await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  const held = await page.evaluate(() => window.flooded.bytesAvailable());
  const handed = target.handed();
  target.stop();
  const read = await page.evaluate(`(${readAllInPage})()`);
  const sent = await target.sent;
  return { held, handed, read, sent };
}

const m = (n) => `${(n / MiB).toFixed(1)} MiB`;

function report(label, { held, handed, sent }) {
  console.log(`# ${label}: held unread in the page ${m(held)}, handed by the target ${m(handed)}, sent ${m(sent.bytes)}`);
}

/** `targetBound`: false where the proxy reads its target whatever its client does (websockify:
 * what the page does not read then waits in the proxy's memory, not the page's). */
function check(label, { held, handed, read, sent }, targetBound = true) {
  assert.ok(held >= 4 * MiB, `${label}: the page holds ${m(held)} unread: the target's bytes reached past the mark`);
  assert.ok(held <= PAGE_BOUND, `${label}: the page holds ${m(held)} unread (bound ${m(PAGE_BOUND)})`);
  if (targetBound) assert.ok(handed <= TARGET_BOUND, `${label}: the target handed ${m(handed)} to its system (bound ${m(TARGET_BOUND)})`);
  assert.equal(read.bytes, sent.bytes, `${label}: every byte read`);
  assert.equal(read.sha256, sent.sha256, `${label}: the same bytes`);
}

test('a page that does not read holds the mark plus the hops, through kvsocket-proxy per socket and /wisp/', { timeout: 90_000 }, async (t) => {
  const proxy = await startProxy({ allow: ['127.0.0.1:*'], log: () => {} });
  t.after(() => proxy.close());
  const { page, pageErrors } = await packagePage(t);
  const tunnel = await pausedDownload(t, page, `${proxy.url}?host={host}&port={port}`);
  const wisp = await pausedDownload(t, page, `wisp+ws://127.0.0.1:${proxy.port}/wisp/`);
  report('per-socket tunnel', tunnel);
  report('/wisp/', wisp);
  check('per-socket tunnel', tunnel);
  check('/wisp/', wisp);
  assert.deepEqual(pageErrors, []);
});

test('with WebSocketStream a page that does not read holds only the mark through websockify too (TCP pushes back on the proxy)', { timeout: 90_000 }, async (t) => {
  if (!WEBSOCKIFY_PYTHON) return t.skip('websockify is not installed (scripts/setup.sh)');
  const { page, pageErrors } = await packagePage(t);
  if (!(await page.evaluate(() => typeof WebSocketStream === 'function'))) return t.skip('this browser has no WebSocketStream');
  // 64 MiB: websockify may take all of it from the target, and the page reads it all after.
  const result = await pausedDownload(t, page, (port) => websockify(t, port), 64 * MiB);
  report('websockify', result);
  // websockify reads its target while its client's socket is full (its select loop always
  // reads the target), so the target may send all it has: the page holds the mark, websockify
  // the rest (docs/spec.md, Backpressure).
  check('websockify', result, false);
  assert.deepEqual(pageErrors, []);
});

test('without WebSocketStream (a browser that lacks it: WebSocket tunnels), kvsocket-proxy\'s pause message alone bounds the page', { timeout: 90_000 }, async (t) => {
  const proxy = await startProxy({ allow: ['127.0.0.1:*'], log: () => {} });
  t.after(() => proxy.close());
  const { page, pageErrors } = await packagePage(t);
  // Before the browser entry loads: the host feature-detects WebSocketStream once.
  await page.evaluate(() => { delete globalThis.WebSocketStream; });
  const result = await pausedDownload(t, page, `${proxy.url}?host={host}&port={port}`);
  report('per-socket tunnel over WebSocket', result);
  check('per-socket tunnel over WebSocket', result);
  assert.deepEqual(pageErrors, []);
});
