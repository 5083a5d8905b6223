// kvsocket-proxy behind real nginx and HAProxy (issue 22), with the configurations of
// docs/deploy/: three instances on loopback ports behind each. Tunnels are spread by least
// connections, each instance sees the real client (X-Forwarded-For from a trusted balancer),
// a claim reaches the instance holding its listener (claim ids start with the instance), and
// an instance killed with SIGKILL during traffic ends only its own tunnels, at once, while new
// connections go to the others; one restarted gracefully (SIGTERM) drains: its tunnels go on,
// new ones go elsewhere, and those left at the drain timeout get 1001 'shutdown' through the
// balancer.

import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort } from '../ports.js';
import { closed, echoServer, mustOpen, nextJson, openWs, waitUntil, withTimeout } from '../proxy/helpers.js';
import { scrape, valueOf } from '../proxy/scrape.js';
import { startBin } from '../proxy/bin.js';
import { startHaproxy, startNginx } from './lb.js';

const NAMES = ['a', 'b', 'c'];
// The client comes from 127.0.0.2, the balancer from 127.0.0.1: only the balancer is trusted.
const FROM = { localAddress: '127.0.0.2' };

// Echoed bytes may come after others still in flight, and joined with them: what arrives after
// the send ends with the text.
async function echoes(ws, text) {
  const before = ws.inbox.length;
  ws.send(Buffer.from(text));
  const since = () => Buffer.concat(ws.inbox.slice(before).map((m) => m.data)).toString('latin1');
  await waitUntil(() => since().endsWith(text), `the echo of '${text}'`, 3000);
  return true;
}

async function behind(t, startLb) {
  const echo = await echoServer(t);
  const ports = { front: await freePort(), instances: [await freePort(), await freePort(), await freePort()] };
  const instances = await Promise.all(NAMES.map((name, i) => startBin(t, [
    '--instance', name, '--workers', '1', '--listen', `127.0.0.1:${ports.instances[i]}`, '--trust-proxy', '127.0.0.1',
    '--allow', `127.0.0.1:${echo.port}`, '--allow-listen', '127.0.0.1:*', '--metrics', '127.0.0.1:0', '--drain-timeout', '1000',
  ])));
  await startLb(t, ports);
  const front = `ws://127.0.0.1:${ports.front}/`;
  const tunnelUrl = `${front}?host=127.0.0.1&port=${echo.port}`;
  const open = async () => {
    const r = await openWs(t, tunnelUrl, FROM);
    if (!r.ws) throw new Error(`a tunnel through the balancer was refused: ${r.refused.status} ${r.refused.body}`);
    return r.ws;
  };
  const openOn = async () => Promise.all(instances.map(async (b) => valueOf(await scrape(b.metricsUrl), 'kvsocket_proxy_websockets_open')));

  // The real client: a header the client wrote itself is not believed, the balancer's is.
  const denied = await openWs(t, `${front}?host=127.0.0.1&port=1`, { ...FROM, headers: { 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal(denied.refused?.status, 403);
  await waitUntil(() => instances.some((b) => /refused 127\.0\.0\.2 /.test(b.stderr())), 'a refusal logged with the real client', 3000);
  assert.ok(!instances.some((b) => /203\.0\.113\.9/.test(b.stderr())), 'the spoofed address is not used');

  // Reverse tunnels: a listener on each instance (least connections), each claim routed to it.
  const controls = [];
  for (let i = 0; i < 3; i += 1) controls.push(await mustOpen(t, `${front}?listen=0&iface=127.0.0.1`, FROM));
  const holders = new Set();
  for (const control of controls) {
    const { port } = await nextJson(control, 'listening');
    const peer = net.connect(port, '127.0.0.1');
    peer.on('error', () => {});
    t.after(() => peer.destroy());
    peer.write('hello from the peer');
    const { id } = await nextJson(control, 'incoming');
    holders.add(id.split('.')[0]);
    const claim = await mustOpen(t, `${front}?claim=${encodeURIComponent(id)}`, FROM);
    await waitUntil(() => claim.inbox.length > 0, 'the peer bytes through the claim');
    assert.equal(claim.inbox.shift().data.toString(), 'hello from the peer');
    claim.send(Buffer.from('hello from the page'));
    const got = await withTimeout(new Promise((resolve) => peer.once('data', resolve)), 3000, 'the page bytes at the peer');
    assert.equal(got.toString(), 'hello from the page');
    claim.close();
    await closed(claim);
  }
  assert.deepEqual([...holders].sort(), NAMES, 'a listener on every instance, each claim reached it');
  for (const c of controls) c.close();
  await Promise.all(controls.map((c) => closed(c)));
  await waitUntil(async () => (await openOn()).every((n) => n === 0), 'every instance idle', 3000).catch(() => {});

  // Traffic on nine tunnels, spread by least connections.
  const tunnels = [];
  for (let i = 0; i < 9; i += 1) tunnels.push(await open());
  for (const [i, ws] of tunnels.entries()) assert.ok(await echoes(ws, `before ${i}`));
  const counts = await openOn();
  assert.deepEqual(counts, [3, 3, 3], 'least connections');

  // SIGKILL one instance while every tunnel is busy.
  const ends = new Map();
  for (const ws of tunnels) ws.once('close', (code) => ends.set(ws, { code, at: Date.now() }));
  const pumping = setInterval(() => {
    for (const ws of tunnels) if (ws.readyState === ws.OPEN) ws.send(Buffer.alloc(1024));
  }, 5);
  t.after(() => clearInterval(pumping));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const killedAt = Date.now();
  instances[1].child.kill('SIGKILL');
  await waitUntil(() => ends.size >= 3, "the killed instance's tunnels to end", 3000);
  await new Promise((resolve) => setTimeout(resolve, 300)); // anything else that would end, would by now
  clearInterval(pumping);
  assert.equal(ends.size, 3, 'only the killed instance\'s tunnels ended');
  for (const { code, at } of ends.values()) {
    assert.notEqual(code, 1000, 'an error, not a clean end');
    assert.ok(at - killedAt < 1000, `ended within a second (${at - killedAt} ms)`);
  }
  for (const ws of tunnels.filter((w) => !ends.has(w))) assert.ok(await echoes(ws, 'after'), 'the others go on');
  // New connections go to the instances still up.
  const fresh = [];
  for (let i = 0; i < 6; i += 1) fresh.push(await open());
  for (const ws of fresh) assert.ok(await echoes(ws, 'new'));
  const after = await Promise.all([instances[0], instances[2]].map(async (b) => valueOf(await scrape(b.metricsUrl), 'kvsocket_proxy_websockets_open')));
  assert.equal(after[0] + after[1], 12, 'six old and six new on the two left');

  // A graceful restart of another: SIGTERM. Its tunnels go on during the drain, new ones go to
  // the last instance, and at the drain timeout its tunnels close with 1001 'shutdown'.
  const live = [...tunnels, ...fresh].filter((w) => w.readyState === w.OPEN);
  const onC = after[1];
  const shutdowns = [];
  for (const ws of live) ws.once('close', (code, reason) => shutdowns.push(`${code} ${reason}`));
  instances[2].child.kill('SIGTERM');
  await waitUntil(() => /draining/.test(instances[2].stderr()), 'the drain to start', 3000);
  for (const ws of live) assert.ok(await echoes(ws, 'during the drain'));
  const late = [];
  for (let i = 0; i < 3; i += 1) late.push(await open());
  for (const ws of late) assert.ok(await echoes(ws, 'late'));
  assert.equal(valueOf(await scrape(instances[0].metricsUrl), 'kvsocket_proxy_websockets_open'), after[0] + 3, 'new tunnels on the instance not draining');
  await waitUntil(() => shutdowns.length >= onC, 'the drained tunnels to close', 5000);
  assert.deepEqual(shutdowns, Array(onC).fill('1001 shutdown'), 'through the balancer, the close code and reason arrive');
  assert.equal(await withTimeout(instances[2].exited, 5000, 'the drained instance to exit'), 0);
  for (const ws of [...tunnels, ...fresh, ...late]) ws.terminate();
}

test('three instances behind nginx', { timeout: 30_000 }, (t) => behind(t, startNginx));
test('three instances behind HAProxy', { timeout: 30_000 }, (t) => behind(t, startHaproxy));
