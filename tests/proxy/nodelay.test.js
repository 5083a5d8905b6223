// kvsocket-proxy's TCP connections have no-delay on (docs/proxy-protocol.md, TCP options): the
// socket it dials for a tunnel and the one its reverse tunnel accepts. Read from the sockets
// themselves: Node cannot getsockopt, so the proxy's socket (found among this process's handles,
// since the proxy runs in-process) is handed to a python3 child as its fd 3 (a duplicate of the
// same socket, so it has the same options), which answers getsockopt(TCP_NODELAY).

import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { T, mustOpen, nextJson, proxy, tcpServer, waitUntil } from './helpers.js';

const GETSOCKOPT = 'import socket; s = socket.socket(fileno=3); print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)); s.detach()';

/** TCP_NODELAY of `sock` (a net.Socket of this process): true when set. */
async function noDelayOf(sock) {
  const child = spawn('python3', ['-c', GETSOCKOPT], { stdio: ['ignore', 'pipe', 'pipe', sock] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `python3 getsockopt failed: ${err}`);
  return Number(out.trim()) !== 0;
}

/** The net.Sockets of this process that `match`. */
const socketsWhere = (match) => process._getActiveHandles().filter((h) => h instanceof net.Socket && match(h));

test('the socket the proxy dials for a tunnel has no-delay on', T, async (t) => {
  const target = await tcpServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${target.port}`] });
  await mustOpen(t, `${p.url}?host=127.0.0.1&port=${target.port}`);
  await waitUntil(() => target.accepts === 1, 'the connection to the target');
  // The proxy's end of it: the one socket here whose remote port is the target's.
  const dialed = socketsWhere((s) => s.remotePort === target.port);
  assert.equal(dialed.length, 1);
  assert.equal(await noDelayOf(dialed[0]), true);
  // The target's own end (a plain net server's socket) as a control: off, so the probe can tell.
  const accepted = socketsWhere((s) => s.localPort === target.port);
  assert.equal(accepted.length, 1);
  assert.equal(await noDelayOf(accepted[0]), false);
});

test('the socket the proxy accepts for a reverse tunnel has no-delay on', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:*'] });
  const control = await mustOpen(t, `${p.url}?listen=0&iface=127.0.0.1`);
  const { port } = await nextJson(control, "'listening'");
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  t.after(() => client.destroy());
  await new Promise((resolve) => client.once('connect', resolve));
  assert.equal((await nextJson(control, "'incoming'")).type, 'incoming');
  const accepted = socketsWhere((s) => s.localPort === port);
  assert.equal(accepted.length, 1);
  assert.equal(await noDelayOf(accepted[0]), true);
  assert.equal(await noDelayOf(client), false); // the dialer's end, made without the option
});
