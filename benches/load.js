// `npm run load`: kvsocket-proxy under load on this machine, with 1 worker and with one per
// core side by side in one run (issue 22). Loopback only, bounded in count and time. For each:
//   - connect: TUNNELS tunnels opened at once to a target that holds them; each one's time
//     from the WebSocket's creation to its open (the proxy dialled the target before the 101):
//     p50 and p99;
//   - RSS per tunnel: the proxy's resident memory (the primary and its workers added up, each
//     after a full garbage collection: benches/gc-probe.cjs) with those tunnels held idle, over
//     its RSS before them, per tunnel;
//   - download: PARALLEL tunnels each downloading TOTAL / PARALLEL bytes from a source at once:
//     MiB/s over all, and the proxy's CPU time (user + system, every process) per MiB.
// The targets run in a process of their own (benches/load-ends.js); this process is the clients.
// Prints a table and one JSON line (`load: {...}`).
//
// Options (or env LOAD_TUNNELS, LOAD_MIB, LOAD_PARALLEL, LOAD_WORKERS): --tunnels N (default
// 1000), --mib M (default 256), --parallel K (default 8), --workers LIST (default 1,<cores>),
// --via nginx|haproxy (LOAD_VIA: through that load balancer, docs/deploy/, in front of the
// instance), --short (100 tunnels, 32 MiB: what npm test runs).
import os from 'node:os';
import { fork, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { freePort } from '../tests/ports.js';
import { startHaproxy, startNginx } from '../tests/deploy/lb.js';

const MiB = 1 << 20;
const { values } = parseArgs({
  options: {
    tunnels: { type: 'string' },
    mib: { type: 'string' },
    parallel: { type: 'string' },
    workers: { type: 'string' },
    via: { type: 'string' },
    short: { type: 'boolean', default: false },
  },
});
const env = process.env;
const TUNNELS = Number(values.tunnels ?? env.LOAD_TUNNELS ?? (values.short ? 100 : 1000));
const TOTAL = Number(values.mib ?? env.LOAD_MIB ?? (values.short ? 32 : 256)) * MiB;
const PARALLEL = Number(values.parallel ?? env.LOAD_PARALLEL ?? 8);
const CORES = os.availableParallelism();
const WORKERS = String(values.workers ?? env.LOAD_WORKERS ?? [...new Set([1, CORES])].join(',')).split(',').map(Number);
for (const [name, n] of [['tunnels', TUNNELS], ['mib', TOTAL], ['parallel', PARALLEL], ...WORKERS.map((w) => ['workers', w])]) {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`--${name}: a whole number > 0`);
}
if (TUNNELS > 5000) throw new Error('--tunnels: at most 5000 (each holds four sockets on this machine)');
const VIA = values.via ?? env.LOAD_VIA;
if (VIA !== undefined && VIA !== 'nginx' && VIA !== 'haproxy') throw new Error('--via: nginx or haproxy');

// Never hang: past this the run fails.
const LIMIT_S = values.short ? 60 : 300;
setTimeout(() => {
  console.error(`load: gave up after ${LIMIT_S} s`);
  process.exit(1);
}, LIMIT_S * 1000).unref();

const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
const ends = fork(fileURLToPath(new URL('./load-ends.js', import.meta.url)), [String(Math.ceil(TOTAL / PARALLEL))]);
children.push(ends);
const ports = await new Promise((resolve) => ends.on('message', (m) => m.ports && resolve(m.ports)));

// ---- the proxy's processes: the one started and, with workers, its children
function treeOf(pid) {
  const pids = [pid];
  for (const p of pids) {
    let kids = '';
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8');
    } catch {
      /* gone */
    }
    pids.push(...kids.split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}
const TICK = 100; // clock ticks a second (Linux's USER_HZ)
function usage(pid) {
  let rss = 0;
  let cpu = 0;
  for (const p of treeOf(pid)) {
    try {
      rss += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))[1]) * 1024;
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu += (Number(f[11]) + Number(f[12])) / TICK; // utime, stime
    } catch {
      /* gone */
    }
  }
  return { rss, cpu };
}

async function startProxy(workers) {
  const port = await freePort();
  const cli = fileURLToPath(new URL('../js/proxy/cli.js', import.meta.url));
  const probe = fileURLToPath(new URL('./gc-probe.cjs', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', '--require', probe, cli, '--listen', `127.0.0.1:${port}`, '--workers', String(workers), '--quiet',
    '--allow', `127.0.0.1:${ports.source}`, '--allow', `127.0.0.1:${ports.holder}`,
    '--max-connections', String(TUNNELS * 2 + 64), '--max-per-client', String(TUNNELS * 2 + 64), '--idle-timeout', '0',
    ...(VIA ? ['--trust-proxy', '127.0.0.1'] : [])],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  await new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
      if (/limits: /.test(err) && (workers === 1 || /workers/.test(err))) resolve();
    });
    child.once('exit', (code) => reject(new Error(`kvsocket-proxy exited (${code}): ${err}`)));
  });
  if (!VIA) return { child, url: `ws://127.0.0.1:${port}/` };
  // Through a load balancer with the configuration of docs/deploy/, its three places all this
  // instance (tests/deploy/lb.js starts it; the instance trusts it for the real client).
  const front = await freePort();
  const lb = await (VIA === 'nginx' ? startNginx : startHaproxy)({ after: (fn) => cleanups.push(fn) }, { front, instances: [port, port, port] });
  return { child, url: `ws://127.0.0.1:${front}/`, lb };
}
const cleanups = [];

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The proxy's usage after a full garbage collection in each of its processes. */
async function collected(pid) {
  for (const p of treeOf(pid)) {
    try {
      process.kill(p, 'SIGUSR2');
    } catch {
      /* gone */
    }
  }
  await settle(300);
  return usage(pid);
}

/** Opens `n` tunnels at once to the holder: {times (ms each, sorted), sockets, failed}. */
async function openTunnels(proxy, n) {
  const times = [];
  const sockets = [];
  let failed = 0;
  await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const t0 = performance.now();
    const ws = new WebSocket(`${proxy.url}?host=127.0.0.1&port=${ports.holder}`, ['binary'], { perMessageDeflate: false });
    sockets.push(ws);
    ws.on('open', () => {
      times.push(performance.now() - t0);
      resolve();
    });
    ws.on('error', () => {
      failed += 1;
      resolve();
    });
  })));
  times.sort((a, b) => a - b);
  return { times, sockets, failed };
}

async function connectPhase(proxy) {
  // A first round warms the proxy up (code compiled, pools filled): what stays is not per tunnel.
  const warm = await openTunnels(proxy, Math.min(100, TUNNELS));
  for (const ws of warm.sockets) ws.terminate();
  await settle(300);
  const before = await collected(proxy.child.pid);
  const { times, sockets, failed } = await openTunnels(proxy, TUNNELS);
  const held = await collected(proxy.child.pid); // every tunnel idle
  for (const ws of sockets) ws.terminate();
  return {
    opened: times.length,
    failed,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    rssPerTunnel: (held.rss - before.rss) / Math.max(1, times.length),
    rssBefore: before.rss,
    rssHeld: held.rss,
  };
}

async function downloadPhase(proxy) {
  const before = usage(proxy.child.pid);
  const t0 = performance.now();
  let bytes = 0;
  await Promise.all(Array.from({ length: PARALLEL }, () => new Promise((resolve, reject) => {
    const ws = new WebSocket(`${proxy.url}?host=127.0.0.1&port=${ports.source}`, ['binary'], { perMessageDeflate: false });
    ws.on('message', (data) => (bytes += data.length));
    ws.on('close', resolve);
    ws.on('error', reject);
  })));
  const seconds = (performance.now() - t0) / 1000;
  const after = usage(proxy.child.pid);
  const mib = bytes / MiB;
  return { mib, seconds, mibPerSecond: mib / seconds, cpuMsPerMiB: ((after.cpu - before.cpu) * 1000) / mib };
}

const results = [];
for (const workers of WORKERS) {
  const proxy = await startProxy(workers);
  await settle(300);
  const connect = await connectPhase(proxy);
  await settle(300);
  const download = await downloadPhase(proxy);
  proxy.child.kill('SIGKILL');
  for (const fn of cleanups.splice(0)) await fn();
  results.push({ workers, ...connect, ...download });
  if (download.mib * MiB < TOTAL - PARALLEL) throw new Error(`${workers} workers: downloaded ${download.mib} MiB of ${TOTAL / MiB}`);
}

const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
const rows = [
  ['', ...results.map((r) => `${r.workers} worker${r.workers > 1 ? 's' : ''}`)],
  [`connect p50 (${TUNNELS} at once)`, ...results.map((r) => `${r.p50.toFixed(1)} ms`)],
  ['connect p99', ...results.map((r) => `${r.p99.toFixed(1)} ms`)],
  ['tunnels opened / failed', ...results.map((r) => `${r.opened} / ${r.failed}`)],
  ['RSS per idle tunnel', ...results.map((r) => kib(r.rssPerTunnel))],
  ['RSS idle -> held', ...results.map((r) => `${(r.rssBefore / MiB).toFixed(0)} -> ${(r.rssHeld / MiB).toFixed(0)} MiB`)],
  [`download (${PARALLEL} tunnels, ${TOTAL / MiB} MiB)`, ...results.map((r) => `${r.mibPerSecond.toFixed(0)} MiB/s`)],
  ['proxy CPU per MiB', ...results.map((r) => `${r.cpuMsPerMiB.toFixed(2)} ms`)],
];
const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`kvsocket-proxy load on ${CORES} cores (${os.cpus()[0]?.model ?? 'cpu'}), Node ${process.version}${VIA ? `, through ${VIA}` : ''}`);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(width[i])).join('  '));
if (results.length > 1) console.log(`download, ${results.at(-1).workers} workers / 1: ${(results.at(-1).mibPerSecond / results[0].mibPerSecond).toFixed(2)}x`);
console.log(`load: ${JSON.stringify({ tunnels: TUNNELS, mib: TOTAL / MiB, parallel: PARALLEL, via: VIA ?? null, results })}`);
process.exit(0);
