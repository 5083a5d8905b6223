// Socket options (end(), the idle timeout, no-delay, keep-alive) on Node: the scenarios of
// tests/options/scenarios.js (tests/browser/options.test.js runs the same ones in Chromium)
// against real net/dgram peers on 127.0.0.1; and that no-delay and keep-alive reach the
// connection's net.Socket (tests/engine_options.rs checks when the engine asks for them).
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Socket } from 'kvsocket';
import { scenarios } from '../options/scenarios.js';
import { startPeers } from '../direct/peers.js';

test('Socket options on Node', { timeout: 60000 }, async (t) => {
  const peers = await startPeers();
  t.after(() => peers.close());
  const env = { ports: peers.ports, browser: false };
  for (const [name, run] of Object.entries(scenarios)) {
    await t.test(name, { timeout: 20000 }, () => run({ Socket }, env));
  }
});

// What only Node can show: the engine's Configure reaches the real net.Socket. The kernel's
// option is not readable from Node, so the calls on the connection's net.Socket are recorded.
test('setNoDelay / setKeepAlive reach the net.Socket of the connection', { timeout: 10000 }, async (t) => {
  const calls = [];
  const { setNoDelay, setKeepAlive } = net.Socket.prototype;
  net.Socket.prototype.setNoDelay = function (on) { calls.push(['noDelay', on]); return setNoDelay.call(this, on); };
  net.Socket.prototype.setKeepAlive = function (on, ms) { calls.push(['keepAlive', on, ms]); return setKeepAlive.call(this, on, ms); };
  t.after(() => Object.assign(net.Socket.prototype, { setNoDelay, setKeepAlive }));
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const sock = await Socket.connect('127.0.0.1', server.address().port);
  calls.length = 0; // the host's own setNoDelay(true) at connect
  sock.setNoDelay(false);
  sock.setKeepAlive(true, 3000);
  sock.destroy();
  assert.deepEqual(calls, [['noDelay', false], ['keepAlive', false, 0], ['noDelay', false], ['keepAlive', true, 3000]]);
});

// An accepted connection inherits the listener's options: its idle timer runs from the accept,
// before any byte or command of its own (it did not until its first input: no idle event for a
// silent peer), and the listener's no-delay reaches its net.Socket.
test('an accepted connection inherits the idle timeout and no-delay, applied at accept', { timeout: 10000 }, async (t) => {
  const calls = [];
  const { setNoDelay } = net.Socket.prototype;
  net.Socket.prototype.setNoDelay = function (on) { calls.push(on); return setNoDelay.call(this, on); };
  t.after(() => Object.assign(net.Socket.prototype, { setNoDelay }));
  const listener = new Socket();
  listener.setIdleTimeout(300);
  listener.setNoDelay(false);
  let accepted = null;
  const idle = new Promise((resolve) => {
    listener.incomingConnectionEvent = (child) => {
      assert.equal(listener.accept(child), true);
      accepted = child;
      child.idleEvent = resolve;
    };
  });
  assert.equal(listener.listen(0, '127.0.0.1'), true);
  const client = net.connect(listener.localPort(), '127.0.0.1'); // says nothing
  client.on('error', () => {});
  t.after(() => { client.destroy(); listener.destroy(); accepted?.destroy(); });
  const timer = new Promise((_, reject) => setTimeout(() => reject(new Error('no idle event within 3 s')), 3000));
  await Promise.race([idle, timer]);
  assert.equal(accepted.idleTimeout(), 300);
  assert.ok(calls.includes(false), `the listener's setNoDelay(false) reached the accepted net.Socket: ${calls}`);
});
