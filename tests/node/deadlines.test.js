// Deadlines (the connect timeout, idle ticks) share one timer (js/deadlines.js): they still fire
// in deadline order, each socket's in a task of its own, and a process whose sockets have no
// deadline left is not kept alive by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDeadlines } from '../../js/deadlines.js';
import { Socket, T, cleanup, sleep, stalledPort, tcpServer, waitUntil } from './helpers.js';

test('connect timeouts of several sockets fire in deadline order, whatever the connect order', T, async (t) => {
  const track = cleanup(t);
  const stalled = await stalledPort();
  if (!stalled) return t.skip('cannot make a loopback handshake hang on this machine');
  track(() => stalled.close());
  const order = [];
  for (const [name, ms] of [['a', 450], ['b', 250], ['c', 350]]) {
    const sock = track(new Socket({ connectTimeout: ms }));
    sock.connectFailedEvent = (reason) => order.push(`${name}: ${reason}`);
    assert.equal(sock.connect('127.0.0.1', stalled.port), true);
  }
  await waitUntil(() => order.length === 3, 5000, 'three connect timeouts');
  assert.deepEqual(order.map((o) => o[0]), ['b', 'c', 'a']);
  assert.match(order[0], /timed out/i);
});

test('equal connect timeouts fire in connect order, with the microtasks of each before the next', T, async (t) => {
  const track = cleanup(t);
  const stalled = await stalledPort();
  if (!stalled) return t.skip('cannot make a loopback handshake hang on this machine');
  track(() => stalled.close());
  const log = [];
  const names = ['d', 'e', 'f', 'g'];
  for (const name of names) {
    const sock = track(new Socket({ connectTimeout: 200 }));
    sock.connectFailedEvent = () => {
      log.push(name);
      // What a handler's promise reaction does runs before the next socket hears of its
      // timeout, as when each socket had a timer of its own.
      Promise.resolve().then(() => log.push(`${name} then`));
    };
    assert.equal(sock.connect('127.0.0.1', stalled.port), true);
  }
  await waitUntil(() => log.length === 8, 5000, 'four connect timeouts');
  assert.deepEqual(log, names.flatMap((n) => [n, `${n} then`]));
});

test('a socket destroyed by another socket\'s timeout handler hears of no timeout of its own', T, async (t) => {
  const track = cleanup(t);
  const stalled = await stalledPort();
  if (!stalled) return t.skip('cannot make a loopback handshake hang on this machine');
  track(() => stalled.close());
  const first = track(new Socket({ connectTimeout: 200 }));
  const second = track(new Socket({ connectTimeout: 200 }));
  const log = [];
  first.connectFailedEvent = () => { log.push('first'); second.destroy(); };
  second.connectFailedEvent = () => log.push('second');
  first.connect('127.0.0.1', stalled.port);
  second.connect('127.0.0.1', stalled.port);
  await waitUntil(() => log.length > 0, 5000, 'the first timeout');
  await sleep(100);
  assert.deepEqual(log, ['first']);
});

// A Node process whose one socket connected and was destroyed: it must end at once, though the
// default connect timeout (60 s) was armed for the connect.
const CHILD = `
  import net from 'node:net';
  import { Socket } from ${JSON.stringify(fileURLToPath(new URL('../../js/node/index.js', import.meta.url)))};
  const server = net.createServer((c) => c.on('error', () => {})).listen(0, '127.0.0.1', () => {
    const sock = new Socket();
    sock.connectedEvent = () => { sock.destroy(); server.close(); };
    sock.connect('127.0.0.1', server.address().port);
  });
`;

test('a process ends once its sockets are gone: no timer is left for deadlines that went away', T, async () => {
  const started = Date.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.on('exit', (c, signal) => { clearTimeout(kill); resolve(c ?? signal); });
  });
  assert.equal(code, 0, stderr);
  assert.ok(Date.now() - started < 6000, `the process took ${Date.now() - started} ms to end`);
});

test('createDeadlines: fires each remaining item once, earliest first, ties in the order set', T, async () => {
  const fired = [];
  const slots = new Map();
  const deadlines = createDeadlines(() => performance.now(), (item) => fired.push(item), (item, slot) => slots.set(item, slot));
  const base = Math.floor(performance.now()) + 30;
  // A fixed pseudo-random sequence: deadlines over 40 ms, many equal.
  let seed = 7;
  const random = (n) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  const items = Array.from({ length: 300 }, (_, i) => ({ i, at: base + random(40) }));
  for (const item of items) deadlines.add(item, item.at);
  // Remove every third, and move some others later or earlier (remove, then add again).
  const removed = new Set();
  for (const item of items) {
    if (item.i % 3 === 0) {
      deadlines.remove(slots.get(item));
      removed.add(item);
    } else if (item.i % 7 === 0) {
      deadlines.remove(slots.get(item));
      item.at = base + random(40);
      item.moved = true;
      deadlines.add(item, item.at);
    }
  }
  for (const item of items) assert.equal(slots.get(item) === -1, removed.has(item), `slot of ${item.i}`);
  await waitUntil(() => fired.length === items.length - removed.size, 3000, 'every deadline');
  await sleep(20);
  assert.equal(fired.length, items.length - removed.size, 'each once');
  assert.ok(fired.every((item) => !removed.has(item)), 'no removed item fires');
  // Earliest first; equal deadlines in the order they were set (a moved item was set last).
  const setOrder = [...items.filter((x) => !x.moved), ...items.filter((x) => x.moved)].filter((x) => !removed.has(x));
  const expected = [...setOrder].sort((x, y) => x.at - y.at);
  assert.deepEqual(fired.map((x) => x.i), expected.map((x) => x.i));
  for (const item of fired) assert.equal(slots.get(item), -1);
});

test('the connect timeout of a socket that connected does not fire, and a fresh one does', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const stalled = await stalledPort();
  if (!stalled) return t.skip('cannot make a loopback handshake hang on this machine');
  track(() => stalled.close());
  const fast = track(new Socket({ connectTimeout: 150 }));
  const failures = [];
  fast.connectFailedEvent = (r) => failures.push(`fast ${r}`);
  fast.connect('127.0.0.1', server.port);
  const slow = track(new Socket({ connectTimeout: 300 }));
  slow.connectFailedEvent = (r) => failures.push('slow');
  slow.connect('127.0.0.1', stalled.port);
  await waitUntil(() => failures.length === 1, 5000, 'the stalled socket\'s timeout');
  await sleep(50);
  assert.deepEqual(failures, ['slow']);
  assert.equal(fast.status(true), 'Connected');
});
