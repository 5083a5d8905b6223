// Reverse tunnels: ?listen= control sockets, incoming announcements and ?claim= tunnels.

import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  T, closed, closedPort, collect, mustOpen, sendChunked, nextJson, openWs, portIsFree, proxy, sleep, tcpServer, waitUntil, withTimeout,
} from './helpers.js';

const listenUrl = (p, port, iface = '127.0.0.1') => `${p.url}?listen=${port}&iface=${encodeURIComponent(iface)}`;
const claimUrl = (p, id) => `${p.url}?claim=${encodeURIComponent(id)}`;

/** A TCP client of the proxy's listener, recording what it gets until the proxy ends it. */
async function dial(t, port) {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  t.after(() => sock.destroy());
  const chunks = [];
  sock.on('data', (d) => chunks.push(d));
  sock.ended = new Promise((resolve) => sock.once('end', () => resolve(Buffer.concat(chunks))));
  sock.gone = new Promise((resolve) => sock.once('close', resolve));
  await new Promise((resolve) => sock.once('connect', resolve));
  return sock;
}

async function listening(t, p, port = 0) {
  const control = await mustOpen(t, listenUrl(p, port));
  const msg = await nextJson(control, "'listening'");
  assert.equal(msg.type, 'listening');
  assert.equal(msg.ip, '127.0.0.1');
  return { control, port: msg.port };
}

test('listen, announce, claim: bytes sent before the claim arrive after it, both ways after that', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:*'] });
  const { control, port } = await listening(t, p);
  const client = await dial(t, port);
  client.write('early bytes');
  const incoming = await nextJson(control, "'incoming'");
  assert.equal(incoming.type, 'incoming');
  assert.equal(incoming.pause, true, 'a claim with end=1 takes the receive pause (docs/proxy-protocol.md)');
  assert.match(incoming.id, /^[A-Za-z0-9_-]{20,}$/);
  assert.equal(incoming.remoteIp, '127.0.0.1');
  assert.equal(incoming.remotePort, client.localPort);
  assert.equal(incoming.localIp, '127.0.0.1');
  assert.equal(incoming.localPort, port);
  await sleep(50); // the bytes are there before the claim
  const tunnel = await mustOpen(t, claimUrl(p, incoming.id));
  await waitUntil(() => tunnel.inbox.length > 0, 'the early bytes');
  assert.equal(Buffer.concat(tunnel.inbox.map((m) => m.data)).toString(), 'early bytes');
  tunnel.send(Buffer.from('reply'));
  client.end(); // FIN from the connecting peer closes the tunnel with 1000, after its bytes
  assert.equal((await collect(tunnel)).code, 1000);
  assert.equal((await client.ended).toString(), 'reply');
});

test('closing the claimed tunnel ends the TCP connection after flushing', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:*'] });
  const { control, port } = await listening(t, p);
  const client = await dial(t, port);
  const { id } = await nextJson(control);
  const tunnel = await mustOpen(t, claimUrl(p, id));
  const big = Buffer.alloc(2 << 20, 7);
  sendChunked(tunnel, big);
  tunnel.close(1000);
  const got = await withTimeout(client.ended, 5000, 'the FIN');
  assert.equal(got.length, big.length);
});

test('a token claims once; unknown tokens are refused with 404 before open', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:*'] });
  const { control, port } = await listening(t, p);
  await dial(t, port);
  const { id } = await nextJson(control);
  await mustOpen(t, claimUrl(p, id));
  const again = await openWs(t, claimUrl(p, id));
  assert.equal(again.refused?.status, 404);
  const unknown = await openWs(t, claimUrl(p, 'no-such-token'));
  assert.equal(unknown.refused?.status, 404);
  assert.match(unknown.refused.body, /unknown, expired or already claimed/);
});

test('an unclaimed connection is dropped after the claim timeout', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:*'], claimTimeout: 200 });
  const { control, port } = await listening(t, p);
  const client = await dial(t, port);
  const { id } = await nextJson(control);
  await withTimeout(client.gone, 3000, 'the unclaimed connection to be dropped');
  assert.equal((await openWs(t, claimUrl(p, id))).refused?.status, 404);
  await waitUntil(() => p.stats.active === 1, 'its slot to be given back'); // the control socket's
});

test('a denied listen is refused with 403 before open, and the port stays free', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:9000-9100', '[::1]:*'] });
  const port = await closedPort();
  for (const url of [listenUrl(p, port), listenUrl(p, 0), listenUrl(p, 9000, '0.0.0.0'), `${p.url}?listen=${port}`]) {
    const r = await openWs(t, url);
    assert.equal(r.refused?.status, 403, url);
    assert.match(r.refused.body, /listen denied/);
  }
  assert.equal(await portIsFree(port, 'tcp'), true);
  const none = await proxy(t, {}); // no --allow-listen at all: deny
  assert.equal((await openWs(t, listenUrl(none, port))).refused?.status, 403);
  assert.equal(await portIsFree(port, 'tcp'), true);
});

test('a port in use: an error message, then close 1011', T, async (t) => {
  const busy = await tcpServer(t);
  const p = await proxy(t, { allowListen: ['127.0.0.1:*'] });
  const control = await mustOpen(t, listenUrl(p, busy.port));
  const msg = await nextJson(control);
  assert.equal(msg.type, 'error');
  assert.equal(msg.code, 'EADDRINUSE');
  assert.match(msg.message, /listen on 127\.0\.0\.1:\d+/);
  const c = await closed(control);
  assert.equal(c.code, 1011);
  assert.equal(c.reason, 'EADDRINUSE');
});

test('closing the control socket stops the listener and drops unclaimed connections', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:*'] });
  const { control, port } = await listening(t, p);
  const waitingClient = await dial(t, port);
  await nextJson(control);
  control.close();
  await withTimeout(waitingClient.gone, 3000, 'the unclaimed connection to be dropped');
  await waitUntil(() => p.stats.active === 0, 'every slot back');
  assert.equal(await portIsFree(port, 'tcp'), true);
});

test('a claimed tunnel outlives its control socket', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:*'] });
  const { control, port } = await listening(t, p);
  const client = await dial(t, port);
  const { id } = await nextJson(control);
  const tunnel = await mustOpen(t, claimUrl(p, id));
  control.close();
  await closed(control);
  client.write('still here');
  await waitUntil(() => tunnel.inbox.length > 0, 'data after the control closed');
  assert.equal(tunnel.inbox[0].data.toString(), 'still here');
});

test('closing a listener and at once listening on its port again binds it (its close is finished first)', T, async (t) => {
  const p = await proxy(t, { allowListen: ['127.0.0.1:*'] });
  for (let i = 0; i < 5; i++) {
    const { control, port } = await listening(t, p);
    // The raw close frame, and the new request right behind it: the old listener's WebSocket is
    // closing, not closed, when the new one binds.
    control._socket.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
    const again = await mustOpen(t, listenUrl(p, port));
    const msg = await nextJson(again);
    assert.deepEqual([msg.type, msg.port], ['listening', port], JSON.stringify(msg));
    again.close();
    await closed(again);
  }
});
