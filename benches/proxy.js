// `npm run bench` (through benches/proxy.sh): kvsocket-proxy against websockify on the same
// transfers (issue 10), side by side in one run. Both proxies run as processes of their own in
// front of the same node:net source and sink on 127.0.0.1; a `ws` client in this process
// downloads TOTAL bytes from the source and uploads TOTAL bytes to the sink, in 64 KiB
// messages. Prints MiB/s for each and the ratio kvsocket-proxy / websockify (higher is better),
// best of BENCH_ROUNDS, and one JSON line.
//
// Env: BENCH_PROXY_MIB (transfer size, default 128), BENCH_ROUNDS (best of, default 3),
// PYTHON (default python3, with websockify installed: scripts/setup.sh).
import net from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { writeAll } from './stream.js';
import { freePort } from '../tests/ports.js';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_PROXY_MIB ?? 128) * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHUNK = 64 * 1024;
const PYTHON = process.env.PYTHON ?? 'python3';

// Never hang: a bench that stops making progress fails instead.
const deadline = setTimeout(() => {
  console.error('proxy bench: gave up after 300 s');
  process.exit(1);
}, 300_000);
deadline.unref();

function server(onConnection) {
  return new Promise((resolve) => {
    const s = net.createServer((c) => { c.on('error', () => {}); onConnection(c); });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}
// The sink tells each upload when it has every byte.
let sinkWaiter = null;
const sink = await server((c) => {
  let got = 0;
  c.on('data', (d) => {
    got += d.length;
    if (got >= TOTAL) sinkWaiter?.(got);
  });
});
const chunk = Buffer.alloc(CHUNK, 0x61);
const source = await server((c) => writeAll(c, TOTAL, chunk));
const sourcePort = source.address().port;
const sinkPort = sink.address().port;

const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
function start(command, args, ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const look = (d) => {
      out += d;
      if (ready.test(out)) resolve(child);
    };
    child.stdout.setEncoding('utf8').on('data', look);
    child.stderr.setEncoding('utf8').on('data', look);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}): ${out}`)));
  });
}

const kvPort = await freePort();
const cli = fileURLToPath(new URL('../js/proxy/cli.js', import.meta.url));
await start(process.execPath, [cli, '--listen', `127.0.0.1:${kvPort}`, '--allow', `127.0.0.1:${sourcePort}`,
  '--allow', `127.0.0.1:${sinkPort}`, '--quiet'], /limits: /);
const wsSourcePort = await freePort();
const wsSinkPort = await freePort();
for (const [port, target] of [[wsSourcePort, sourcePort], [wsSinkPort, sinkPort]]) {
  await start(PYTHON, ['-m', 'websockify', `127.0.0.1:${port}`, `127.0.0.1:${target}`], /Listen on|proxying from/i);
}
const urls = {
  kvsocket: { download: `ws://127.0.0.1:${kvPort}/?host=127.0.0.1&port=${sourcePort}`, upload: `ws://127.0.0.1:${kvPort}/?host=127.0.0.1&port=${sinkPort}` },
  websockify: { download: `ws://127.0.0.1:${wsSourcePort}/`, upload: `ws://127.0.0.1:${wsSinkPort}/` },
};

/** Opens a WebSocket; `onMessage` is attached before open, since the proxy may send in the
 * same segment as its 101 answer. */
function open(url, onMessage = () => {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['binary'], { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.on('message', onMessage);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Seconds to receive TOTAL bytes from the source through `url`. */
async function download(url) {
  const t0 = process.hrtime.bigint();
  let got = 0;
  let done;
  const all = new Promise((resolve, reject) => (done = { resolve, reject }));
  const ws = await open(url, (d) => {
    got += d.length;
    if (got >= TOTAL) done.resolve();
  });
  ws.once('close', (code, reason) => (got >= TOTAL ? done.resolve()
    : done.reject(new Error(`download from ${url} closed (${code} ${reason}) after ${got} of ${TOTAL} bytes`))));
  await all;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  ws.terminate();
  return s;
}

/** Seconds until the sink has TOTAL bytes sent through `url` in 64 KiB messages. */
async function upload(url) {
  const t0 = process.hrtime.bigint();
  const ws = await open(url);
  const done = new Promise((resolve) => (sinkWaiter = resolve));
  let sent = 0;
  await new Promise((resolve) => {
    const pump = () => {
      while (sent < TOTAL) {
        sent += CHUNK;
        ws.send(chunk);
        if (ws.bufferedAmount > 4 * MiB) return setTimeout(pump, 1);
      }
      resolve();
    };
    pump();
  });
  await done;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  sinkWaiter = null;
  ws.terminate();
  return s;
}

// CPU seconds used by a process and its children during a run (websockify forks one child per
// connection and lets the system reap it, so a child's time is taken from samples while it runs).
const ticksOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
};
function family(roots) {
  const out = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { ppid, ticks } = ticksOf(Number(entry));
      if (roots.includes(Number(entry)) || roots.includes(ppid)) out.set(Number(entry), ticks);
    } catch {
      /* gone */
    }
  }
  return out;
}
async function measured(roots, run) {
  const start = family(roots);
  const last = new Map(start);
  const sample = () => family(roots).forEach((ticks, pid) => last.set(pid, ticks));
  const timer = setInterval(sample, 20);
  try {
    const seconds = await run();
    sample();
    let ticks = 0;
    for (const [pid, t] of last) ticks += t - (start.get(pid) ?? 0);
    return { seconds, cpu: ticks / 100 };
  } finally {
    clearInterval(timer);
  }
}
const pids = { kvsocket: [children[0].pid], websockify: [children[1].pid, children[2].pid] };
const cpu = {};
const best = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of [['download', download], ['upload', upload]]) {
    for (const proxy of ['websockify', 'kvsocket']) {
      const key = `${proxy} ${name}`;
      const self0 = process.cpuUsage();
      const { seconds: s, cpu: used } = await measured(pids[proxy], () => run(urls[proxy][name]));
      const selfUsed = Object.values(process.cpuUsage(self0)).reduce((a, b) => a + b) / 1e6;
      (cpu[key] ??= []).push({ proxy: used * 1000 / (TOTAL / MiB), client: selfUsed * 1000 / (TOTAL / MiB) });
      best[key] = Math.min(best[key] ?? Infinity, s);
    }
  }
}
const mibs = (s) => TOTAL / MiB / s;
const rows = ['download', 'upload'].map((name) => {
  const kv = mibs(best[`kvsocket ${name}`]);
  const wsf = mibs(best[`websockify ${name}`]);
  return { name, kvsocket: kv, websockify: wsf, ratio: kv / wsf };
});
console.log(`kvsocket-proxy vs websockify, ${TOTAL / MiB} MiB to/from a ws client in 64 KiB messages (best of ${ROUNDS}; MiB/s, higher is better)`);
for (const r of rows) {
  console.log(`  proxy ${r.name.padEnd(8)} kvsocket-proxy ${r.kvsocket.toFixed(0).padStart(5)}  websockify ${r.websockify.toFixed(0).padStart(5)}  ratio ${r.ratio.toFixed(2)}`);
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const cpuMs = {};
for (const [key, cs] of Object.entries(cpu)) {
  cpuMs[key] = median(cs.map((c) => c.proxy));
  console.log(`  ${key.padEnd(20)} CPU per MiB (median): proxy ${cpuMs[key].toFixed(2)} ms, client and servers ${median(cs.map((c) => c.client)).toFixed(2)} ms`);
}
for (const r of rows) {
  r.cpuMsPerMiB = { kvsocket: cpuMs[`kvsocket ${r.name}`], websockify: cpuMs[`websockify ${r.name}`] };
  r.cpuRatio = r.cpuMsPerMiB.websockify / r.cpuMsPerMiB.kvsocket;
}
console.log(`  CPU per byte, websockify / kvsocket-proxy: download ${rows[0].cpuRatio.toFixed(2)}, upload ${rows[1].cpuRatio.toFixed(2)} (higher: kvsocket-proxy cheaper)`);
console.log(JSON.stringify({ bench: 'proxy', mib: TOTAL / MiB, rounds: ROUNDS, rows }));
process.exit(0);
