// Every core (issue 22): --workers N behind one listener. Tunnels, UDP, /wisp/ and reverse
// tunnels work whichever worker a WebSocket lands on (a claim goes to the worker holding its
// listener), per-client caps hold across workers, metrics add every worker up, and a drain
// drains them all.

import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { T, closed, echoServer, mustOpen, nextJson, openWs, tcpUrl, udpPeer, waitUntil, withTimeout } from './helpers.js';
import { scrape, valueOf } from './scrape.js';
import { CLI, startBin } from './bin.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wispSession } from './wisp-client.js';
import { claimWorker } from '../../js/proxy/workers.js';

const W = { timeout: 20_000 };

const echoOnce = async (ws, text) => {
  const before = ws.inbox.length;
  ws.send(Buffer.from(text));
  await waitUntil(() => ws.inbox.length > before, `the echo of ${text}`);
  return ws.inbox[ws.inbox.length - 1].data.toString();
};

test('claimWorker reads the worker out of a claim id', () => {
  assert.equal(claimWorker('w2.abc'), 2);
  assert.equal(claimWorker('a.w13.abc', 'a.'), 13);
  assert.equal(claimWorker('b.w1.abc', 'a.'), null, "another instance's");
  assert.equal(claimWorker('abc'), null);
  assert.equal(claimWorker(null), null);
});

test('--workers 2: tunnels spread over both workers, UDP and Wisp work, metrics add up', W, async (t) => {
  const echo = await echoServer(t);
  const peer = await udpPeer(t, { echo: true });
  const bin = await startBin(t, ['--workers', '2', '--allow', `127.0.0.1:${echo.port}`, '--allow', `127.0.0.1:${peer.port}`,
    '--metrics', '127.0.0.1:0']);
  assert.match(bin.stderr(), /2 workers/);
  const tunnels = [];
  for (let i = 0; i < 6; i += 1) tunnels.push(await mustOpen(t, tcpUrl(bin, '127.0.0.1', echo.port)));
  for (const [i, ws] of tunnels.entries()) assert.equal(await echoOnce(ws, `hello ${i}`), `hello ${i}`);
  const udp = await mustOpen(t, `${bin.url}?udp=1&host=127.0.0.1&port=${peer.port}`);
  // Its {"type":"connected"} first (on a loaded machine it can come after the datagram is sent).
  await waitUntil(() => udp.inbox.length > 0, 'the UDP session\'s connected message');
  assert.equal(JSON.parse(udp.inbox[0].data).type, 'connected');
  assert.equal(await echoOnce(udp, 'datagram'), 'datagram');
  const wisp = await wispSession(t, bin);
  wisp.connect(1, '127.0.0.1', echo.port);
  await wisp.opened(1);
  wisp.data(1, 'over wisp');
  await waitUntil(() => wisp.dataOf(1).toString() === 'over wisp', 'the Wisp echo');

  const m = await scrape(bin.metricsUrl);
  assert.equal(valueOf(m, 'kvsocket_proxy_websockets_open'), 8, 'every worker counted');
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_open', { kind: 'tcp' }), 6);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_open', { kind: 'udp' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_open', { kind: 'wisp' }), 1);
  for (const ws of [...tunnels, udp, wisp.ws]) ws.close();
});

test('--workers 2: a reverse tunnel works whichever worker the claims land on', W, async (t) => {
  const bin = await startBin(t, ['--workers', '2', '--allow-listen', '127.0.0.1:*', '--instance', 'a']);
  const control = await mustOpen(t, `${bin.url}?listen=0&iface=127.0.0.1`);
  const { port } = await nextJson(control, 'listening');
  // Several incoming connections, each claimed on a WebSocket of its own: with two workers and
  // least-connections placement some claims land on the other worker and are handed over.
  const owners = new Set();
  for (let i = 0; i < 4; i += 1) {
    const peer = net.connect(port, '127.0.0.1');
    peer.on('error', () => {});
    t.after(() => peer.destroy());
    await new Promise((resolve) => peer.once('connect', resolve));
    peer.write(`early ${i}`); // sent before the claim: must not be lost
    const incoming = await nextJson(control, 'incoming');
    assert.match(incoming.id, /^a\.w[12]\./, 'the claim id names the instance and worker');
    owners.add(claimWorker(incoming.id, 'a.'));
    const claim = await mustOpen(t, `${bin.url}?claim=${encodeURIComponent(incoming.id)}`);
    await waitUntil(() => claim.inbox.length > 0, 'the early bytes');
    assert.equal(claim.inbox.shift().data.toString(), `early ${i}`);
    claim.send(Buffer.from(`reply ${i}`));
    const got = await withTimeout(new Promise((resolve) => peer.once('data', resolve)), 5000, 'the reply');
    assert.equal(got.toString(), `reply ${i}`);
    claim.close();
    await closed(claim);
  }
  assert.equal(owners.size, 1, 'one listener, one worker');
  // A claim for a worker that does not exist is refused like an unknown one.
  const bogus = await openWs(t, `${bin.url}?claim=a.w9.nothing`);
  assert.equal(bogus.refused?.status, 404);
  control.close();
});

test('--workers 2: --max-per-client holds across workers; SIGTERM drains every worker', W, async (t) => {
  const echo = await echoServer(t);
  const bin = await startBin(t, ['--workers', '2', '--allow', `127.0.0.1:${echo.port}`, '--max-per-client', '3', '--drain-timeout', '300']);
  const open = [];
  for (let i = 0; i < 3; i += 1) open.push(await mustOpen(t, tcpUrl(bin, '127.0.0.1', echo.port)));
  const fourth = await openWs(t, tcpUrl(bin, '127.0.0.1', echo.port));
  assert.equal(fourth.refused?.status, 503);
  assert.match(fourth.refused.body, /too many connections from 127\.0\.0\.1 \(max 3\)/);
  open[0].close();
  await closed(open[0]);
  // One closed: one more may come.
  let again = null;
  for (let i = 0; i < 20 && !again?.ws; i += 1) {
    again = await openWs(t, tcpUrl(bin, '127.0.0.1', echo.port));
    if (!again.ws) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(again.ws, 'a slot came back once a connection closed');
  bin.child.kill('SIGTERM');
  const ends = await Promise.all([open[1], open[2], again.ws].map((ws) => closed(ws, 5000)));
  for (const end of ends) assert.deepEqual(end, { code: 1001, reason: 'shutdown' });
  assert.equal(await withTimeout(bin.exited, 5000, 'the primary to exit'), 0);
});

/** The pids of the primary's workers. */
const workerPids = (pid) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);

test('--workers 2 behind a trusted proxy: the per-client cap counts the real client across workers; /metrics public adds every worker up', W, async (t) => {
  const echo = await echoServer(t);
  const bin = await startBin(t, ['--workers', '2', '--allow', `127.0.0.1:${echo.port}`, '--trust-proxy', '127.0.0.1', '--max-per-client', '2', '--metrics', 'public']);
  const as = (client) => ({ headers: { 'X-Forwarded-For': client } });
  const url = tcpUrl(bin, '127.0.0.1', echo.port);
  // Two from one client, on both workers (least connections); the third is one too many wherever it lands.
  assert.ok((await openWs(t, url, as('203.0.113.5'))).ws);
  assert.ok((await openWs(t, url, as('203.0.113.5'))).ws);
  const third = await openWs(t, url, as('203.0.113.5'));
  assert.equal(third.refused?.status, 503);
  assert.match(third.refused.body, /too many connections from 203\.0\.113\.5 \(max 2\)/);
  assert.ok((await openWs(t, url, as('203.0.113.6'))).ws, 'another client is not held back');
  const m = await scrape(`${bin.url.replace(/^ws:/, 'http:')}metrics`);
  assert.equal(valueOf(m, 'kvsocket_proxy_websockets_open'), 3, 'both workers, added up, through either');
  assert.equal(valueOf(m, 'kvsocket_proxy_caps_hit_total', { cap: 'max_per_client' }), 1);
});

test('--workers 2: a worker killed takes only its own tunnels, is replaced, and new tunnels work', W, async (t) => {
  const echo = await echoServer(t);
  const bin = await startBin(t, ['--workers', '2', '--allow', `127.0.0.1:${echo.port}`]);
  const tunnels = [];
  for (let i = 0; i < 4; i += 1) tunnels.push(await mustOpen(t, tcpUrl(bin, '127.0.0.1', echo.port)));
  const [first] = workerPids(bin.child.pid);
  process.kill(first, 'SIGKILL');
  const ended = [];
  for (const ws of tunnels) ws.once('close', () => ended.push(ws));
  await waitUntil(() => ended.length >= 2, "the killed worker's tunnels to end");
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(ended.length, 2, 'two tunnels a worker (least connections), only those ended');
  for (const ws of tunnels.filter((w) => !ended.includes(w))) assert.equal(await echoOnce(ws, 'still'), 'still');
  await waitUntil(() => /worker \d exited \(SIGKILL\); starting another/.test(bin.stderr()), 'the replacement');
  await waitUntil(() => workerPids(bin.child.pid).length === 2 && !workerPids(bin.child.pid).includes(first), 'a new worker');
  for (let i = 0; i < 4; i += 1) {
    const ws = await mustOpen(t, tcpUrl(bin, '127.0.0.1', echo.port));
    assert.equal(await echoOnce(ws, `new ${i}`), `new ${i}`);
  }
});

test('--workers: a worker that cannot start fails the start (exit 1, said why) instead of being started again and again', W, async (t) => {
  const preload = fileURLToPath(new URL('./fail-in-worker.cjs', import.meta.url));
  const child = spawn(process.execPath, [CLI, '--workers', '2', '--listen', '127.0.0.1:0', '--allow', '127.0.0.1:1'], {
    env: { ...process.env, NODE_OPTIONS: `--require ${preload}` },
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (stderr += d));
  const code = await withTimeout(new Promise((resolve) => child.once('exit', resolve)), 8000, 'the primary to give up');
  assert.equal(code, 1);
  assert.match(stderr, /worker \d exited \(1\) before it was ready/);
  assert.doesNotMatch(stderr, /listening on/);
});
