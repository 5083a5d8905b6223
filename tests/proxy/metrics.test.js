// /metrics and /healthz (issue 22): scraped and parsed after real traffic through the proxy,
// in-process (metrics answered on the public listener when asked) and from the bin (on a
// listener of their own, --metrics), with its logs as JSON lines.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { T, closed, closedPort, echoServer, mustOpen, openWs, proxy, sendChunked, tcpUrl, udpPeer, waitUntil, withTimeout } from './helpers.js';
import { get, scrape, valueOf } from './scrape.js';
import { wispSession } from './wisp-client.js';

const httpOf = (p) => p.url.replace(/^ws:/, 'http:');

test('/metrics counts WebSockets, streams by kind and result, bytes, connect times and caps', T, async (t) => {
  const echo = await echoServer(t);
  const peer = await udpPeer(t, { echo: true });
  const refused = await closedPort();
  const p = await proxy(t, {
    allow: [`127.0.0.1:${echo.port}`, `127.0.0.1:${refused}`, `127.0.0.1:${peer.port}`, 'slow.test:1'],
    allowListen: ['127.0.0.1:*'],
    publicMetrics: true,
    maxPerClient: 100,
    connectTimeout: 300,
    // Answers after the connect timeout (the slot stays taken until then: a lookup cannot be cancelled).
    lookup: (name) => new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' })), name === 'slow.test' ? 500 : 0)),
  });
  const before = await scrape(`${httpOf(p)}metrics`);
  // Every series is there from the start, at 0.
  assert.equal(valueOf(before, 'kvsocket_proxy_streams_opened_total', { kind: 'tcp', result: 'ok' }), 0);
  assert.equal(valueOf(before, 'kvsocket_proxy_caps_hit_total', { cap: 'max_connections' }), 0);
  assert.equal(before.types.kvsocket_proxy_connect_duration_seconds, 'histogram');
  assert.equal(before.types.kvsocket_proxy_bytes_total, 'counter');

  // A tunnel carrying 200 KiB each way, kept open; one refused by rule, one by the target, one timing out.
  const ws = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  sendChunked(ws, Buffer.alloc(200 << 10, 7));
  await waitUntil(() => ws.inbox.reduce((n, m) => n + m.data.length, 0) >= 200 << 10, 'the echo');
  assert.equal((await openWs(t, tcpUrl(p, '127.0.0.1', 1))).refused.status, 403);
  assert.equal((await openWs(t, tcpUrl(p, '127.0.0.1', refused))).refused.status, 502);
  assert.equal((await openWs(t, tcpUrl(p, 'slow.test', 1))).refused.status, 504);
  // A UDP session, a listener and a Wisp stream, all open at the scrape.
  const udp = await mustOpen(t, `${p.url}?udp=1&host=127.0.0.1&port=${peer.port}`);
  udp.send(Buffer.from('ping'));
  await waitUntil(() => udp.inbox.length > 0, 'the UDP echo');
  const listener = await mustOpen(t, `${p.url}?listen=0&iface=127.0.0.1`);
  const wisp = await wispSession(t, p);
  wisp.connect(1, '127.0.0.1', echo.port);
  await wisp.opened(1);

  await waitUntil(() => p.stats.active === 4, 'the slow lookup to settle');
  const m = await scrape(`${httpOf(p)}metrics`);
  assert.equal(valueOf(m, 'kvsocket_proxy_websockets_open'), 4, 'tunnel, UDP, listener, Wisp');
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_open', { kind: 'tcp' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_open', { kind: 'udp' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_open', { kind: 'listen' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_open', { kind: 'wisp' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_opened_total', { kind: 'tcp', result: 'ok' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_opened_total', { kind: 'tcp', result: 'refused_by_rule' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_opened_total', { kind: 'tcp', result: 'refused_by_target' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_opened_total', { kind: 'tcp', result: 'timeout' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_opened_total', { kind: 'udp', result: 'ok' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_opened_total', { kind: 'wisp', result: 'ok' }), 1);
  assert.ok(valueOf(m, 'kvsocket_proxy_bytes_total', { direction: 'from_client' }) >= (200 << 10) + 4);
  assert.ok(valueOf(m, 'kvsocket_proxy_bytes_total', { direction: 'to_client' }) >= (200 << 10) + 4);
  assert.equal(valueOf(m, 'kvsocket_proxy_connect_duration_seconds_count', { kind: 'tcp' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_connect_duration_seconds_count', { kind: 'wisp' }), 1);
  assert.ok(valueOf(m, 'kvsocket_proxy_connect_duration_seconds_sum', { kind: 'tcp' }) > 0);
  assert.ok(valueOf(m, 'kvsocket_proxy_queued_bytes', { direction: 'to_client' }) >= 0);
  assert.ok(valueOf(m, 'kvsocket_proxy_process_resident_memory_bytes') > 0);
  // No label names a client or a target.
  for (const s of m.samples) {
    for (const v of Object.values(s.labels)) assert.doesNotMatch(v, /127\.0\.0\.1|slow\.test/, `${s.name} ${JSON.stringify(s.labels)}`);
  }
  for (const name of Object.keys(m.types)) assert.match(name, /^kvsocket_proxy_/);

  // Closing gives the gauges back.
  for (const w of [ws, udp, listener, wisp.ws]) w.close();
  await Promise.all([ws, udp, listener, wisp.ws].map((w) => closed(w)));
  await waitUntil(() => p.stats.active === 0, 'every slot back');
  const after = await scrape(`${httpOf(p)}metrics`);
  assert.equal(valueOf(after, 'kvsocket_proxy_websockets_open'), 0);
  for (const kind of ['tcp', 'udp', 'listen', 'wisp']) assert.equal(valueOf(after, 'kvsocket_proxy_streams_open', { kind }), 0, kind);

  const health = await get(`${httpOf(p)}healthz`);
  assert.equal(health.status, 200);
  assert.equal(health.body, 'ok\n');
});

test('caps hit are counted by cap: max-connections, max-per-client, max-frame', T, async (t) => {
  const echo = await echoServer(t);
  const p = await proxy(t, { allow: [`127.0.0.1:${echo.port}`], publicMetrics: true, maxConnections: 3, maxPerClient: 2, maxFrame: 1024 });
  const a = await mustOpen(t, tcpUrl(p, '127.0.0.1', echo.port));
  const b = await openWs(t, tcpUrl(p, '127.0.0.1', echo.port));
  assert.ok(b.ws);
  // The third connection from 127.0.0.1 is one too many for --max-per-client 2.
  assert.equal((await openWs(t, tcpUrl(p, '127.0.0.1', echo.port))).refused.status, 503);
  a.send(Buffer.alloc(2048));
  assert.equal((await closed(a)).code, 1009);
  b.ws.close();
  await closed(b.ws);
  const m = await scrape(`${httpOf(p)}metrics`);
  assert.equal(valueOf(m, 'kvsocket_proxy_caps_hit_total', { cap: 'max_per_client' }), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_caps_hit_total', { cap: 'max_frame' }), 1);
});

test('without publicMetrics the public listener has /healthz but no /metrics', T, async (t) => {
  const p = await proxy(t, { metrics: true });
  assert.equal((await get(`${httpOf(p)}metrics`)).status, 426);
  assert.equal((await get(`${httpOf(p)}healthz`)).status, 200);
  assert.ok(p.metrics, 'the registry is there for a listener of its own');
  const none = await proxy(t, {});
  assert.equal(none.metrics, null, 'no prom-client without metrics');
});

test('the bin: --metrics HOST:PORT serves them apart, logs are JSON lines at --log-level', T, async (t) => {
  const echo = await echoServer(t);
  const cli = fileURLToPath(new URL('../../js/proxy/cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${echo.port}`,
    '--metrics', '127.0.0.1:0', '--log-format', 'json', '--log-level', 'info', '--drain-timeout', '0']);
  t.after(() => child.kill('SIGKILL'));
  const lines = [];
  let buffered = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop();
    for (const line of parts) lines.push(JSON.parse(line)); // every line is one JSON object
  });
  const find = (re) => lines.find((l) => re.test(l.msg));
  await withTimeout(waitUntil(() => find(/^metrics on /), 'the metrics URL'), 5000, 'startup');
  const url = /listening on (\S+)/.exec(find(/^listening on /).msg)[1];
  const metricsUrl = /metrics on (\S+)/.exec(find(/^metrics on /).msg)[1];
  for (const l of lines) {
    assert.match(l.time, /^\d{4}-\d\d-\d\dT/);
    assert.ok(['info', 'warn', 'error'].includes(l.level));
  }
  const ws = await mustOpen(t, `${url}?host=127.0.0.1&port=${echo.port}`);
  ws.send(Buffer.from('ping'));
  await waitUntil(() => ws.inbox.length > 0, 'the echo');
  const refusedLogged = (await openWs(t, `${url}?host=127.0.0.1&port=1`)).refused;
  assert.equal(refusedLogged.status, 403);
  await waitUntil(() => find(/^refused /), 'the refusal in the log');
  const m = await scrape(metricsUrl);
  assert.equal(valueOf(m, 'kvsocket_proxy_websockets_open'), 1);
  assert.equal(valueOf(m, 'kvsocket_proxy_streams_opened_total', { kind: 'tcp', result: 'refused_by_rule' }), 1);
  assert.equal((await get(url.replace(/^ws:/, 'http:') + 'metrics')).status, 426, 'not on the public listener');
  assert.equal((await get(metricsUrl.replace('/metrics', '/healthz'))).status, 200);
  ws.close();
  await closed(ws);
  child.kill('SIGTERM');
  await withTimeout(new Promise((resolve) => child.once('exit', resolve)), 5000, 'the bin to exit');
  assert.ok(lines.some((l) => l.level === 'warn' && /^draining/.test(l.msg)));
});

test('--log-level warn leaves out refusals (not the startup lines); a bad level is refused', T, async (t) => {
  const cli = fileURLToPath(new URL('../../js/proxy/cli.js', import.meta.url));
  const bad = spawn(process.execPath, [cli, '--log-level', 'loud']);
  let badErr = '';
  bad.stderr.setEncoding('utf8');
  bad.stderr.on('data', (d) => (badErr += d));
  assert.equal(await new Promise((resolve) => bad.once('exit', resolve)), 2);
  assert.match(badErr, /--log-level loud: one of error, warn, info, debug/);

  const child = spawn(process.execPath, [cli, '--listen', '127.0.0.1:0', '--allow', '127.0.0.1:1', '--log-level', 'warn']);
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (stderr += d));
  await waitUntil(() => /limits: /.test(stderr), 'the startup lines');
  const url = /listening on (ws:\S+)/.exec(stderr)[1];
  assert.equal((await openWs(t, `${url}?host=127.0.0.1&port=2`)).refused.status, 403);
  child.kill('SIGTERM');
  await withTimeout(new Promise((resolve) => child.once('exit', resolve)), 5000, 'the bin to exit');
  assert.doesNotMatch(stderr, /refused/);
  assert.match(stderr, /kvsocket-proxy: warn: draining/);
});
