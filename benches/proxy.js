// `npm run bench` (through benches/proxy.sh): kvsocket-proxy against websockify on the same
// transfers (issue 10), side by side in one run. Both proxies run as processes of their own in
// front of the same node:net source and sink on 127.0.0.1 (a third process, benches/proxy-ends.js,
// so that this one's CPU time is the client's alone). This process downloads TOTAL bytes from
// the source with a `ws` client, downloads them again with a client that only counts the bytes in
// the frames (no message assembly: what a proxy can do when its client costs nothing), and
// uploads TOTAL bytes to the sink with the `ws` client, in 64 KiB messages. Prints MiB/s for each
// and the ratio kvsocket-proxy / websockify (higher is better), best of BENCH_ROUNDS, each
// process's CPU time per MiB, and one JSON line.
//
// Env: BENCH_PROXY_MIB (transfer size, default 128), BENCH_ROUNDS (best of, default 3),
// PYTHON (default python3, with websockify installed: benches/proxy.sh finds it as
// scripts/setup.sh installed it), BENCH_PROXY_PROFILE=DIR (kvsocket-proxy runs with --cpu-prof
// and writes its profile into DIR when the bench ends).
import net from 'node:net';
import { spawn, fork } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort } from '../tests/ports.js';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_PROXY_MIB ?? 128) * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHUNK = 64 * 1024;
const PYTHON = process.env.PYTHON ?? 'python3';
const PROFILE = process.env.BENCH_PROXY_PROFILE;

// Never hang: a bench that stops making progress fails instead.
const deadline = setTimeout(() => {
  console.error('proxy bench: gave up after 300 s');
  process.exit(1);
}, 300_000);
deadline.unref();

const chunk = Buffer.alloc(CHUNK, 0x61);
// The source and the sink, in a process of their own; the sink tells each upload when it has
// every byte.
const ends = fork(fileURLToPath(new URL('./proxy-ends.js', import.meta.url)), [String(TOTAL), String(CHUNK)]);
let sinkWaiter = null;
const { sourcePort, sinkPort } = await new Promise((resolve) => {
  ends.on('message', (m) => {
    if (m.ports) resolve(m.ports);
    if (m.sunk) sinkWaiter?.(m.sunk);
  });
});

const children = [];
process.on('exit', () => [...children, ends].forEach((c) => c.kill('SIGKILL')));
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
const profiling = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : [];
await start(process.execPath, [...profiling, cli, '--listen', `127.0.0.1:${kvPort}`, '--allow', `127.0.0.1:${sourcePort}`,
  '--allow', `127.0.0.1:${sinkPort}`, '--quiet', '--workers', '1'], /limits: /); // one process: its CPU and RSS are measured
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

/** Seconds to receive TOTAL bytes from the source through `url` with a client that does the
 * WebSocket handshake by hand and then only walks the frame headers, counting the payload bytes
 * of data frames as they pass, read into one reused buffer: no message is assembled or copied,
 * so what is left of the time is the proxy's (and the system's). */
function countingDownload(url) {
  const { hostname, port, pathname, search } = new URL(url);
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    let got = 0;
    let head = ''; // the HTTP answer, until its blank line
    let need = 0; // payload bytes of the current frame still to come
    let counted = false; // whether the current frame is data (binary or continuation)
    let header = Buffer.alloc(0); // a frame header split across reads
    const frames = (buf, at) => {
      while (at < buf.length) {
        if (need > 0) {
          const n = Math.min(need, buf.length - at);
          if (counted) got += n;
          need -= n;
          at += n;
          continue;
        }
        // A header: 2 bytes, then 2 or 8 of length (server frames are not masked).
        const h = header.length > 0 ? Buffer.concat([header, buf.subarray(at)]) : buf.subarray(at);
        const len7 = h.length >= 2 ? h[1] & 0x7f : 0;
        const size = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
        if (h.length < size) {
          header = Buffer.from(h);
          return;
        }
        at += size - header.length;
        header = Buffer.alloc(0);
        const opcode = h[0] & 0x0f;
        need = len7 === 126 ? h.readUInt16BE(2) : len7 === 127 ? Number(h.readBigUInt64BE(2)) : len7;
        counted = opcode === 0 || opcode === 2;
        if (opcode === 8) return tcp.destroy(); // close: the source ended
      }
    };
    const tcp = net.connect({
      host: hostname,
      port: Number(port),
      onread: {
        buffer: Buffer.allocUnsafe(256 * 1024),
        callback(n, buf) {
          if (head !== null) {
            head += buf.toString('latin1', 0, n);
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) return;
            if (!head.startsWith('HTTP/1.1 101')) return tcp.destroy(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
            const rest = Buffer.from(head.slice(end + 4), 'latin1');
            head = null;
            frames(rest, 0);
          } else {
            frames(buf.subarray(0, n), 0);
          }
          if (got >= TOTAL) tcp.destroy();
        },
      },
    });
    tcp.on('connect', () => tcp.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`
      + 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n'
      + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: binary\r\n\r\n'));
    tcp.on('error', reject);
    tcp.on('close', () => (got >= TOTAL ? resolve(Number(process.hrtime.bigint() - t0) / 1e9)
      : reject(new Error(`counting download from ${url} ended after ${got} of ${TOTAL} bytes`))));
  });
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
/** Runs `run` and returns its seconds, and the CPU seconds of the proxy (`roots` and their
 * children) and of the source and sink process (the last root) during it. */
async function measured(roots, run) {
  const start = family(roots);
  const last = new Map(start);
  const sample = () => family(roots).forEach((ticks, pid) => last.set(pid, ticks));
  const timer = setInterval(sample, 20);
  try {
    const seconds = await run();
    sample();
    const endsPid = roots[roots.length - 1];
    const used = { proxy: 0, ends: 0 };
    for (const [pid, t] of last) used[pid === endsPid ? 'ends' : 'proxy'] += (t - (start.get(pid) ?? 0)) / 100;
    return { seconds, cpu: used };
  } finally {
    clearInterval(timer);
  }
}
const pids = { kvsocket: [children[0].pid], websockify: [children[1].pid, children[2].pid] };
// Rows: what is measured, the client that does it, how.
const RUNS = [
  ['download', 'ws client', download, 'download'],
  ['download, counting client', 'frame counter', countingDownload, 'download'],
  ['upload', 'ws client', upload, 'upload'],
];
const cpu = {};
const best = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, , run, direction] of RUNS) {
    for (const proxy of ['websockify', 'kvsocket']) {
      const key = `${proxy} ${name}`;
      const self0 = process.cpuUsage();
      const { seconds: s, cpu: used } = await measured([...pids[proxy], ends.pid], () => run(urls[proxy][direction]));
      const selfUsed = Object.values(process.cpuUsage(self0)).reduce((a, b) => a + b) / 1e6;
      const perMiB = (seconds) => seconds * 1000 / (TOTAL / MiB);
      (cpu[key] ??= []).push({ proxy: perMiB(used.proxy), client: perMiB(selfUsed), ends: perMiB(used.ends) });
      best[key] = Math.min(best[key] ?? Infinity, s);
    }
  }
}
const mibs = (s) => TOTAL / MiB / s;
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const rows = RUNS.map(([name, client]) => {
  const kv = mibs(best[`kvsocket ${name}`]);
  const wsf = mibs(best[`websockify ${name}`]);
  const cpuMs = (proxy, part) => median(cpu[`${proxy} ${name}`].map((c) => c[part]));
  const cpuMsPerMiB = {};
  for (const proxy of ['kvsocket', 'websockify']) {
    cpuMsPerMiB[proxy] = cpuMs(proxy, 'proxy');
    cpuMsPerMiB[`${proxy} client`] = cpuMs(proxy, 'client');
    cpuMsPerMiB[`${proxy} source+sink`] = cpuMs(proxy, 'ends');
  }
  return { name, client, kvsocket: kv, websockify: wsf, ratio: kv / wsf, cpuMsPerMiB, cpuRatio: cpuMsPerMiB.websockify / cpuMsPerMiB.kvsocket };
});
console.log(`kvsocket-proxy vs websockify, ${TOTAL / MiB} MiB to/from a client in 64 KiB messages (best of ${ROUNDS}; MiB/s, higher is better)`);
for (const r of rows) {
  console.log(`  proxy ${r.name.padEnd(26)} kvsocket-proxy ${r.kvsocket.toFixed(0).padStart(5)}  websockify ${r.websockify.toFixed(0).padStart(5)}  ratio ${r.ratio.toFixed(2)}`);
}
console.log('  CPU ms per MiB (median of the rounds): proxy / client / source+sink');
for (const r of rows) {
  const c = r.cpuMsPerMiB;
  const part = (proxy) => `${c[proxy].toFixed(2)} / ${c[`${proxy} client`].toFixed(2)} / ${c[`${proxy} source+sink`].toFixed(2)}`;
  console.log(`  ${r.name.padEnd(26)} kvsocket-proxy ${part('kvsocket')}   websockify ${part('websockify')}   websockify/kvsocket-proxy ${r.cpuRatio.toFixed(2)}`);
}
console.log(JSON.stringify({ bench: 'proxy', mib: TOTAL / MiB, rounds: ROUNDS, rows }));
if (PROFILE) {
  // --cpu-prof writes its file when the process exits by itself: stop it the way a user would.
  const proxy = children[0];
  const exited = new Promise((resolve) => proxy.once('exit', resolve));
  proxy.kill('SIGTERM');
  await exited;
  console.log(`kvsocket-proxy CPU profile written to ${PROFILE}`);
}
process.exit(0);
