// Answers to a client that never reads stay bounded (issue 18, 2): a client that floods the
// proxy with messages it must answer — Wisp CONNECTs on stream 0 (each a CLOSE 0x41), text
// messages to a bound UDP socket (each an error message, 15 times its size) — and reads
// nothing. The proxy stops reading it once its answers back up (control.js's answerer), so
// the flood waits in the kernel instead of the proxy's memory. The proxy runs as its own
// process (the bin, with memory-probe.cjs), so its memory is its own. Before the fix 15.8 MiB
// of CONNECTs took the proxy's RSS from 57 to 293 MiB.

import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withTimeout } from './helpers.js';
import { StreamType, connectPacket } from './wisp-client.js';

const MiB = 1 << 20;
const FLOOD = 24 * MiB;
// What the proxy may hold for one client whose answers back up: HIGH (1 MiB) of answers or 256
// of them, one read of its messages (64 KiB) and what they make, with room for V8's caches.
const BOUND = 8 * MiB;
// RSS moves with the garbage of the work itself (the proxy parses and answers what the kernel
// buffers let through, 4-12 MiB of tiny messages, before it stops reading; V8 collects late and
// keeps the pages): only a guard against a runaway here. Measured with the fix: +33-45 MiB on
// Node 20, +76-152 MiB on Node 24, while the live memory grew by 0.5-2.3 MiB on both.
const RSS_SLACK = 256 * MiB;

async function startBin(t, args) {
  const cli = fileURLToPath(new URL('../../js/proxy/cli.js', import.meta.url));
  const probe = fileURLToPath(new URL('./memory-probe.cjs', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', '--require', probe, cli, '--listen', '127.0.0.1:0', '--quiet', ...args]);
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  let probed = null;
  let exited = null;
  child.on('exit', (code, signal) => (exited = `exited with ${code ?? signal}: ${stderr.slice(-500)}`));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const m of stderr.matchAll(/memory-probe: (\{.*\})\n/g)) probed?.(JSON.parse(m[1]));
    stderr = stderr.replace(/memory-probe: .*\n/g, '');
  });
  const port = await withTimeout(new Promise((resolve) => {
    child.stderr.on('data', () => {
      const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
      if (m && /limits: /.test(stderr)) resolve(Number(m[1]));
    });
  }), 5000, 'the bin to start');
  const memory = () => withTimeout(new Promise((resolve) => {
    probed = (m) => {
      probed = null;
      resolve({ live: m.heapUsed + m.external, rss: m.rss });
    };
    child.kill('SIGUSR2');
  }), 5000, 'the memory probe');
  return { port, memory, exited: () => exited };
}

/** A WebSocket upgrade by hand: the socket once the 101 came, paused for good (it never reads). */
async function neverReads(t, port, path, protocol) {
  const sock = net.connect(port, '127.0.0.1');
  t.after(() => sock.destroy());
  sock.on('error', () => {});
  await new Promise((resolve) => sock.once('connect', resolve));
  sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
    + `${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`);
  let head = '';
  await withTimeout(new Promise((resolve) => {
    const onData = (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      sock.pause();
      resolve();
    };
    sock.on('data', onData);
  }), 5000, 'the 101');
  assert.match(head, /^HTTP\/1\.1 101/);
  return sock;
}

/** Client frames (masked, with a zero key: the payload as it is) of `payload`, `count` times. */
function frames(opcode, payload, count) {
  const one = Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
  return Buffer.concat(Array(count).fill(one));
}

/** Writes `chunk` until `total` bytes went or the proxy stopped reading (no drain for 1 s): the bytes written. */
async function flood(sock, chunk, total) {
  let written = 0;
  while (written < total && !sock.destroyed) {
    written += chunk.length;
    if (sock.write(chunk)) continue;
    const drained = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 1000);
      sock.once('drain', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!drained) break;
  }
  return written;
}

const mib = (n) => `${(n / MiB).toFixed(1)} MiB`;

async function check(t, proxy, sock, chunk, what) {
  const before = await proxy.memory();
  const written = await flood(sock, chunk, FLOOD);
  const after = await proxy.memory();
  const grew = after.live - before.live;
  t.diagnostic(`${what}: ${mib(written)} sent before the proxy stopped reading; live memory ${mib(before.live)} -> ${mib(after.live)}, RSS ${mib(before.rss)} -> ${mib(after.rss)}`);
  assert.equal(proxy.exited(), null, 'the proxy is up');
  assert.ok(written < FLOOD, `the proxy read all ${mib(FLOOD)} of a client that reads nothing`);
  assert.ok(grew < BOUND, `live memory grew by ${mib(grew)} (bound ${mib(BOUND)})`);
  assert.ok(after.rss - before.rss < RSS_SLACK, `RSS grew by ${mib(after.rss - before.rss)}`);
}

test('Wisp: a client that floods CONNECTs on stream 0 and reads nothing is not read on, and the proxy\'s memory stays bounded', { timeout: 30_000 }, async (t) => {
  const proxy = await startBin(t, ['--allow', '127.0.0.1:1']);
  const sock = await neverReads(t, proxy.port, '/wisp/'); // v1: no INFO to wait for
  await check(t, proxy, sock, frames(2, connectPacket(0, StreamType.TCP, 1, 'a'), 4096), 'stream-0 CONNECTs');
});

test('bound UDP: a client that floods bad messages and reads no error is not read on, and the proxy\'s memory stays bounded', { timeout: 30_000 }, async (t) => {
  const proxy = await startBin(t, ['--allow-listen', '127.0.0.1:*']);
  const sock = await neverReads(t, proxy.port, '/?udp=1&listen=0&iface=127.0.0.1', 'binary');
  await check(t, proxy, sock, frames(1, Buffer.from('x'), 8192), 'bad text messages');
});
