// `npm run bench` (Wisp part): the same download and upload through the same Wisp server (the
// wisp-js server, in a process of its own: benches/wisp-server.js) with kvsocket's Node host and
// with the @mercuryworkshop/wisp-js client, side by side in one run; prints MiB/s and the ratio
// kvsocket / wisp-js (higher is better), each client's CPU time per MiB, and the server's (its
// CPU per MiB and its share of a core: the server is what limits both clients when that share
// nears 100 %). Then the number of WebSockets a page of 100 sockets opens in Chromium through one
// Wisp URL (1 expected). Stops by itself. BENCH_WISP_SKIP_PAGE=1 leaves the page out.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { Socket } from 'kvsocket';
import { client as wispClient } from '@mercuryworkshop/wisp-js/client';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_MIB ?? 64) * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHUNK = 64 * 1024;
const chunk = new Uint8Array(CHUNK).fill(0x62);

// BENCH_WISP_SERVER=proxy: kvsocket-proxy's /wisp/ endpoint instead of the wisp-js server;
// =bare: a bare server that is its own source and sink (benches/wisp-bare.js), which compares
// the clients alone.
const SERVER = ['proxy', 'bare'].includes(process.env.BENCH_WISP_SERVER) ? process.env.BENCH_WISP_SERVER : 'wisp-js';
const server = spawn(process.execPath, [new URL('./wisp-server.js', import.meta.url).pathname, String(TOTAL), SERVER], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = await once(createInterface({ input: server.stdout }), 'line');
const [URL_, sourcePort, sinkPort] = line.split(' ').map((x, i) => (i === 0 ? x : Number(x)));

// ----- kvsocket -----
function kvDownload() {
  return new Promise((resolve, reject) => {
    const s = new Socket({ proxy: `wisp+${URL_}` });
    let got = 0;
    s.dataAvailableEvent = () => {
      got += s.readBytes().length;
      if (got >= TOTAL) { s.destroy(); resolve(); }
    };
    s.errorEvent = (code) => reject(new Error(`kvsocket download: ${code}: ${s.lastError()}`));
    s.connect('127.0.0.1', sourcePort);
  });
}
function kvUpload() {
  return new Promise((resolve, reject) => {
    const s = new Socket({ proxy: `wisp+${URL_}` });
    let left = TOTAL;
    const pump = () => {
      while (left > 0) {
        left -= CHUNK;
        s.write(chunk);
        if (s.bufferedAmount() > MiB) return; // drainEvent resumes
      }
    };
    s.connectedEvent = pump;
    s.drainEvent = pump;
    s.dataAvailableEvent = () => { s.destroy(); resolve(); }; // the sink's '!' once all came
    s.errorEvent = (code) => reject(new Error(`kvsocket upload: ${code}: ${s.lastError()}`));
    s.connect('127.0.0.1', sinkPort);
  });
}

// ----- the wisp-js client -----
async function wispConnection() {
  const conn = new wispClient.ClientConnection(URL_);
  await new Promise((resolve, reject) => { conn.onopen = resolve; conn.onerror = reject; });
  return conn;
}
async function wjDownload() {
  const conn = await wispConnection();
  await new Promise((resolve) => {
    const stream = conn.create_stream('127.0.0.1', sourcePort);
    let got = 0;
    stream.onmessage = (bytes) => {
      got += bytes.length;
      if (got >= TOTAL) resolve();
    };
  });
  conn.close();
}
async function wjUpload() {
  const conn = await wispConnection();
  await new Promise((resolve) => {
    const stream = conn.create_stream('127.0.0.1', sinkPort);
    stream.onmessage = resolve;
    // wisp-js queues what its credit does not cover and has no drain signal of its own: the
    // WebSocket's bufferedAmount is what there is to wait on.
    let left = TOTAL;
    const pump = () => {
      while (left > 0) {
        left -= CHUNK;
        stream.send(chunk);
        if (conn.ws.bufferedAmount > MiB || stream.send_buffer.length > 16) return setTimeout(pump, 1);
      }
    };
    pump();
  });
  conn.close();
}

// The server's CPU time so far in ms (Linux: /proc), or NaN where it cannot be read.
function serverCpuMs() {
  try {
    const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS);
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100; // USER_HZ: 100 on Linux

// The best throughput over ROUNDS, and in that round this process's CPU time per MiB (the
// client's cost alone: the server has its own process) and the server's CPU time per MiB and
// share of one core (near 100 %: the server is what limits both clients).
async function best(run) {
  let fastest = Infinity;
  let cpu = 0;
  let serverCpu = NaN;
  let serverShare = NaN;
  for (let i = 0; i < ROUNDS; i++) {
    const c0 = process.cpuUsage();
    const s0 = serverCpuMs();
    const t0 = performance.now();
    await run();
    const ms = performance.now() - t0;
    const used = process.cpuUsage(c0);
    const serverMs = serverCpuMs() - s0;
    if (ms < fastest) {
      fastest = ms;
      cpu = (used.user + used.system) / 1000 / (TOTAL / MiB);
      serverCpu = serverMs / (TOTAL / MiB);
      serverShare = serverMs / ms;
    }
  }
  return { mibs: (TOTAL / MiB) / (fastest / 1000), cpu, serverCpu, serverShare };
}

const fmt = (x, w = 8) => x.toFixed(1).padStart(w);
const pct = (x) => (Number.isNaN(x) ? '   ?' : `${Math.round(x * 100)}%`.padStart(4));
const serverName = { proxy: "kvsocket-proxy's /wisp/", bare: 'a bare Wisp server (its own source and sink)', 'wisp-js': 'the wisp-js server' }[SERVER];
console.log(`\nWisp: ${TOTAL / MiB} MiB through ${serverName} (its own process), best of ${ROUNDS}`);
console.log('            MiB/s: kvsocket  wisp-js  ratio | client CPU ms/MiB: kvsocket wisp-js | server CPU ms/MiB (% of a core): with kvsocket, with wisp-js');
for (const [name, kv, wj] of [['download', kvDownload, wjDownload], ['upload', kvUpload, wjUpload]]) {
  const a = await best(kv);
  const b = await best(wj);
  console.log(`${name.padEnd(16)} ${fmt(a.mibs)} ${fmt(b.mibs)}  ${(a.mibs / b.mibs).toFixed(2)}x |` +
    `${fmt(a.cpu, 27)} ${fmt(b.cpu, 7)} |` +
    `${fmt(a.serverCpu, 34)} (${pct(a.serverShare)}) ${fmt(b.serverCpu, 9)} (${pct(b.serverShare)})`);
}
console.log('A server near 100 % of a core is what limits both clients\' throughput; the client CPU columns are each client\'s own cost.');
server.stdin.end();

// ----- the WebSocket count of a 100-socket page -----
if (process.env.BENCH_WISP_SKIP_PAGE === '1') process.exit(0);
const { countPageWebSockets } = await import('./wisp-page.js');
const count = await countPageWebSockets(100);
console.log(`a page of 100 sockets through one Wisp URL opened ${count.webSockets} WebSocket(s) (${count.echoed}/100 echoed)`);
process.exit(0);
