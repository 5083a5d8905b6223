// Event guarantees under faults (issue 9, docs/spec.md): exactly one disconnectEvent or
// connectFailedEvent per attempt, no event after destroy(), nothing thrown to the script, and
// nothing left running (the process exits by itself). The many-connection versions are
// tests/soak/ (scripts/test-soak.sh) and tests/many/ (scripts/test-many.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { T, Socket, cleanup, connectedPair, record, sleep, waitUntil, withTimeout } from './helpers.js';

const MiB = 1024 * 1024;
const soakTarget = fileURLToPath(new URL('../soak/target.js', import.meta.url));

/** tests/soak/target.js in a process of its own: its port and its kill(). */
async function targetProcess(t) {
  const proc = spawn(process.execPath, [soakTarget], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => proc.kill('SIGKILL'));
  const port = await withTimeout(new Promise((resolve) => proc.stdout.once('data', (d) => resolve(Number(String(d))))), 5000, 'the target');
  return { port, kill: () => proc.kill('SIGKILL'), exited: new Promise((resolve) => proc.once('exit', resolve)) };
}

test('the server process is killed mid-transfer: one disconnect, nothing after', T, async (t) => {
  const track = cleanup(t);
  const target = await targetProcess(t);
  const sock = track(new Socket());
  const log = record(sock);
  sock.dataAvailableEvent = () => sock.readBytes();
  sock.connect('127.0.0.1', target.port);
  await log.until('connected');
  sock.write('echo\n');
  sock.write(new Uint8Array(32 * MiB));
  await log.until('dataAvailable');
  target.kill();
  await target.exited;
  await log.until('disconnected', 5000);
  await sleep(100);
  assert.equal(log.of('disconnected').length, 1);
  assert.equal(log.of('connectFailed').length, 0);
  // The kernel closes a killed process's sockets: an RST (an error) when bytes were unread
  // there, else a FIN (a clean end). Either way: one end, last.
  const { error } = log.of('disconnected')[0].detail;
  const tail = log.labels((e) => e.type !== 'dataAvailable' && e.type !== 'drain').slice(error ? -3 : -2);
  assert.deepEqual(tail, [...(error ? [tail[0]] : []), 'stateChanged(Unconnected)', `disconnected(${JSON.stringify(error)})`]);
  if (error) assert.match(tail[0], /^error\(/);
  assert.equal(log.at(-1).type, 'disconnected', 'nothing after the end');
});

test('destroy() while Closing: no disconnect, no event at all after it', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  peer.pause(); // the flush cannot finish
  sock.write(new Uint8Array(16 * MiB));
  sock.close();
  assert.equal(sock.status(true), 'Closing');
  await sleep(20);
  const before = log.length;
  sock.destroy();
  peer.resume();
  await sleep(200);
  assert.deepEqual(log.slice(before).map((e) => e.type), []);
  assert.equal(sock.status(true), 'Unconnected');
});

test('a target that never reads: output piles up, no drain, no end; destroy() ends it silently', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  peer.pause();
  sock.setHighWaterMark(64 * 1024);
  // More than the kernels of both ends take (some MiB on loopback): most of it stays ours.
  // (The first writes drain at once, into the kernels' buffers; then nothing moves.)
  for (let i = 0; i < 64; i++) sock.write(new Uint8Array(MiB));
  await sleep(50);
  const settled = log.length;
  await sleep(300);
  assert.equal(sock.status(true), 'Connected');
  assert.ok(sock.bufferedAmount() > 32 * MiB, `bufferedAmount ${sock.bufferedAmount()}`);
  assert.deepEqual(log.slice(settled).map((e) => e.type), [], 'no drain, no end while nothing is read');
  const before = log.length;
  sock.destroy();
  await sleep(100);
  assert.deepEqual(log.slice(before).map((e) => e.type), []);
});

test('refused, reset, killed, never-reading and echo connections together: one end each, and the process exits by itself', { timeout: 60_000 }, async () => {
  // tests/soak/node.js checks every connection's events and fails on anything thrown to the
  // script; that it exits at all (no timer or handle left) is checked here.
  const proc = spawn(process.execPath, [fileURLToPath(new URL('../soak/node.js', import.meta.url)), '20', String(256 * 1024)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const code = await withTimeout(new Promise((resolve) => proc.once('exit', resolve)), 50_000, 'the soak process to exit by itself')
    .finally(() => proc.kill('SIGKILL'));
  assert.equal(code, 0, out);
  assert.match(out, /bytes lost: 0/);
});

test('connect() to a refused port, many times over: exactly one connectFailed per attempt', T, async (t) => {
  const track = cleanup(t);
  const target = await targetProcess(t);
  target.kill();
  await target.exited; // its port now refuses
  const socks = Array.from({ length: 200 }, () => track(new Socket()));
  const logs = socks.map((s) => record(s));
  socks.forEach((s) => s.connect('127.0.0.1', target.port));
  await waitUntil(() => logs.every((l) => l.of('connectFailed').length > 0), 5000, 'every connectFailed');
  await sleep(100);
  for (const log of logs) {
    assert.equal(log.of('connectFailed').length, 1);
    assert.equal(log.of('disconnected').length, 0);
  }
});
